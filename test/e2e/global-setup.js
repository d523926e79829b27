// Starts one real n8n for the e2e suite: the pinned 2.x from .cache/n8n-server, this package
// installed as a community package, the templates imported and activated.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

module.exports = async function startRealN8n() {
	const lib = await import('../../scripts/lib/n8n.mjs');
	const installStarted = Date.now();
	const install = lib.ensureN8nInstalled();
	const workflows = ['shareasale-postback.json', 'custom-postback.json', 'shareasale-tracking-pipeline.json'].map((file) => lib.loadTemplate(file));
	workflows.push(JSON.parse(readFileSync(join(__dirname, 'workflows/authenticated-custom.json'), 'utf8')));
	const n8n = await lib.startN8n({
		workflows,
		quiet: true,
		beforeImport: async (api) => {
			const credential = await api.call('POST', '/credentials', {
				name: 'E2E postback token',
				type: 'postbackAuthApi',
				data: { method: 'token', token: 'e2e-secret-token-0123456789', placement: 'query', queryParameterName: 'key', ipAllowlist: '' },
			});
			// The workflow references the credential by the id n8n just gave it.
			for (const node of workflows[3].nodes) {
				if (node.credentials?.postbackAuthApi) node.credentials.postbackAuthApi = { id: credential.id, name: credential.name };
			}
		},
	});
	process.stderr.write(
		`\n[e2e] n8n ${lib.n8nVersion()} ready in ${n8n.timings.readySeconds.toFixed(1)} s, workflows active after ${n8n.timings.totalSeconds.toFixed(1)} s` +
			(install.installed ? ` (install took ${install.seconds} s)` : ' (cached install)') +
			` — total setup ${((Date.now() - installStarted) / 1000).toFixed(1)} s\n`,
	);
	globalThis.__POSTBACK_N8N__ = n8n;
	process.env.E2E_N8N_BASE_URL = n8n.baseUrl;
	process.env.E2E_N8N_API_KEY = n8n.api.apiKey;
	process.env.E2E_N8N_COOKIE = n8n.api.cookie;
	process.env.E2E_N8N_OWNER_EMAIL = n8n.api.owner.email;
	process.env.E2E_N8N_OWNER_PASSWORD = n8n.api.owner.password;
	process.env.E2E_N8N_USER_FOLDER = n8n.userFolder;
	process.env.E2E_N8N_WORKFLOWS = JSON.stringify(n8n.workflows);
};
