'use strict';
// `npm start` keeps its n8n between runs: which template became which workflow is remembered, and on a later
// start each template is compared with what was imported and with what is in n8n now. Pure functions (no n8n, no
// files), so the decision is unit-tested on its own. CommonJS so that both the .mjs scripts and the jest tests load it.
const { createHash } = require('node:crypto');

function sha256(text) {
	return createHash('sha256').update(text).digest('hex');
}

/** JSON with sorted keys and no undefined values, so two equal objects always give the same text. */
function canonical(value) {
	if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonical(item))).join(',')}]`;
	if (value && typeof value === 'object') {
		const keys = Object.keys(value)
			.filter((key) => value[key] !== undefined)
			.sort();
		return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
	}
	return JSON.stringify(value ?? null);
}

/** A template file's content hash: what tells a changed template from the one imported before. */
function templateHash(text) {
	return sha256(typeof text === 'string' ? text : canonical(text));
}

// What an operator changes when editing a node. Not: the node's id (n8n's), run-time data, or the credential's name
// (renaming a credential does not edit the workflows that use it).
const NODE_FIELDS = [
	'name',
	'type',
	'typeVersion',
	'parameters',
	'disabled',
	'position',
	'webhookId',
	'notes',
	'notesInFlow',
	'alwaysOutputData',
	'executeOnce',
	'retryOnFail',
	'maxTries',
	'waitBetweenTries',
	'onError',
	'continueOnFail',
];

/**
 * A fingerprint of what an operator can edit in a workflow: its name, nodes, connections and settings. Not whether it
 * is active (activating is not editing), nor n8n's bookkeeping (ids, versions, dates, static data, pinned data, tags).
 */
function workflowFingerprint(workflow) {
	const nodes = (workflow.nodes ?? [])
		.map((node) => {
			const picked = {};
			for (const field of NODE_FIELDS) picked[field] = node[field];
			picked.credentials = Object.fromEntries(Object.entries(node.credentials ?? {}).map(([type, credential]) => [type, credential?.id ?? null]));
			return picked;
		})
		.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	return sha256(canonical({ name: workflow.name, nodes, connections: workflow.connections ?? {}, settings: workflow.settings ?? {} }));
}

/**
 * What to do with one template on this start.
 *
 * - `hash`: templateHash of the template file now;
 * - `entry`: what the state file remembers for it ({ workflowId, templateHash, fingerprint }), or undefined;
 * - `current`: the workflow as n8n has it now (public API), or null when n8n no longer has it.
 *
 * Returns { action, edited? }:
 * - 'import': never imported (a new template, or a fresh data folder);
 * - 'deleted': the operator deleted (or archived) the workflow: it stays deleted (--reset brings it back);
 * - 'keep': the template did not change since it was imported: the workflow is left as it is (edited says whether the
 *   operator changed it);
 * - 'update': the template changed and the operator never edited the workflow: it is updated in place;
 * - 'edited': the template changed but the operator edited the workflow: it is left alone, the operator is told.
 */
function planTemplateSync({ hash, entry, current }) {
	if (!entry) return { action: 'import' };
	if (!current || current.isArchived) return { action: 'deleted' };
	const edited = workflowFingerprint(current) !== entry.fingerprint;
	if (entry.templateHash === hash) return { action: 'keep', edited };
	return edited ? { action: 'edited', edited } : { action: 'update', edited };
}

/**
 * The body that updates an unedited workflow to a changed template: the template's nodes, connections and settings,
 * each node keeping (by name) the id, webhook id and credentials it has in n8n, so secret URLs already pasted into
 * networks and the credentials picked for it stay.
 */
function updatedWorkflow(template, current) {
	const byName = new Map((current.nodes ?? []).map((node) => [node.name, node]));
	const nodes = (template.nodes ?? []).map((node) => {
		const before = byName.get(node.name);
		const merged = { ...node };
		if (before?.id) merged.id = before.id;
		// The template as loadTemplates gives it already has a fresh webhook id where one is needed.
		if (before?.webhookId) merged.webhookId = before.webhookId;
		// What n8n has is real (picked or created on import); a template's credential references are placeholders.
		if (before?.credentials) merged.credentials = { ...(node.credentials ?? {}), ...before.credentials };
		return merged;
	});
	return { name: template.name, nodes, connections: template.connections ?? {}, settings: template.settings ?? current.settings ?? { executionOrder: 'v1' } };
}

module.exports = { canonical, templateHash, workflowFingerprint, planTemplateSync, updatedWorkflow };
