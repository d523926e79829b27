// `npm start`'s kept n8n: where its data lives, how --reset removes it, and how templates/ is brought into it once
// and kept in step without undoing the operator's own changes (the decision itself is in template-sync.cjs).
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { importWorkflow, repoRoot, webhookUrlsOf } from './n8n.mjs';

const require = createRequire(import.meta.url);
const { planTemplateSync, templateHash, updatedWorkflow, workflowFingerprint } = require('./template-sync.cjs');

/** POSTBACK_DATA_DIR, else .cache/start in the repository (ignored by git). */
export function dataDir() {
	return process.env.POSTBACK_DATA_DIR ? resolve(process.env.POSTBACK_DATA_DIR) : join(repoRoot, '.cache/start');
}

/** The files in the data folder an operator may want to know about. */
export function dataFiles(dir = dataDir()) {
	return {
		dir,
		account: join(dir, 'login.json'),
		state: join(dir, 'templates.json'),
		n8nDatabase: join(dir, '.n8n/database.sqlite'),
		trackingStore: join(dir, '.n8n/postback-tracking.sqlite'),
		n8nConfig: join(dir, '.n8n/config'),
		log: join(dir, 'n8n.log'),
	};
}

/** Removes the data folder (--reset); returns what was in it, to say what went. */
export function resetData(dir = dataDir()) {
	if (!existsSync(dir)) return [];
	const removed = readdirSync(dir);
	rmSync(dir, { recursive: true, force: true });
	return removed;
}

/** The template → workflow map kept in the data folder ({ version, templates: { [file]: entry } }). */
export function readState(file) {
	if (!existsSync(file)) return { version: 1, templates: {} };
	const state = JSON.parse(readFileSync(file, 'utf8'));
	return { version: 1, templates: {}, ...state };
}

/** Mode 0600: an entry may hold the conversion log's Basic Auth login. */
export function writeState(file, state) {
	mkdirSync(resolve(file, '..'), { recursive: true });
	writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
	chmodSync(file, 0o600);
}

/** GET a workflow through the public API; null when n8n does not have it (deleted). */
async function currentWorkflow(api, id) {
	try {
		return await api.call('GET', `/workflows/${id}`);
	} catch (error) {
		if (/: 404 /.test(String(error?.message))) return null;
		throw error;
	}
}

/**
 * Brings the templates into a kept n8n. Each template is imported once (activated when it runs without credentials);
 * later starts leave it alone unless templates/ changed it (see planTemplateSync): an unedited workflow is then updated
 * in place, keeping its webhook ids (the secret URLs already pasted into networks) and its credentials; an edited one
 * is left as it is. A workflow the operator deleted stays deleted. Whether a workflow is active is n8n's business
 * after the first import: the operator's activating or deactivating it stays.
 *
 * `createLogins(api, workflows)` creates the conversion log's Basic Auth login for newly imported workflows (Map
 * workflow → login); `activate(workflow)` says whether a new import is activated.
 * Returns one entry per template: { file, action, id, name, active, webhookUrls, activationError?, workflow, login? }.
 */
export async function syncTemplates(api, templates, { stateFile, createLogins, activate }) {
	const state = readState(stateFile);
	const entries = [];
	for (const template of templates) {
		const hash = templateHash(template.text ?? JSON.stringify(template.workflow));
		const stored = state.templates[template.file];
		const current = stored ? await currentWorkflow(api, stored.workflowId) : undefined;
		const { action, edited } = planTemplateSync({ hash, entry: stored, current });
		if (action === 'import') {
			const logins = await createLogins(api, [template.workflow]);
			const login = logins.get(template.workflow);
			const imported = await importWorkflow(api, template.workflow, { activate: activate(template.workflow), activationErrors: 'report' });
			const after = await currentWorkflow(api, imported.id);
			state.templates[template.file] = { workflowId: imported.id, templateHash: hash, fingerprint: workflowFingerprint(after), ...(login ? { login } : {}) };
			writeState(stateFile, state);
			entries.push({ ...imported, file: template.file, action, workflow: after, login });
			continue;
		}
		if (action === 'deleted') {
			entries.push({
				file: template.file,
				action,
				id: stored.workflowId,
				name: template.workflow.name,
				active: false,
				webhookUrls: [],
				workflow: template.workflow,
			});
			continue;
		}
		let workflow = current;
		if (action === 'update') {
			// PUT publishes the new version at once when the workflow is active (publishIfActive defaults to true).
			await api.call('PUT', `/workflows/${current.id}`, updatedWorkflow(template.workflow, current));
			workflow = await currentWorkflow(api, current.id);
			state.templates[template.file] = { ...stored, templateHash: hash, fingerprint: workflowFingerprint(workflow) };
			writeState(stateFile, state);
		}
		entries.push({
			file: template.file,
			action,
			edited,
			id: workflow.id,
			name: workflow.name,
			active: workflow.active === true,
			webhookUrls: webhookUrlsOf(api.baseUrl, workflow),
			workflow,
			login: stored.login,
		});
	}
	return entries;
}
