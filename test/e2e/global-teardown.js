module.exports = async function stopRealN8n() {
	const n8n = globalThis.__POSTBACK_N8N__;
	if (n8n) await n8n.stop();
};
