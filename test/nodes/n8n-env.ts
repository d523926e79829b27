/**
 * Environment n8n-core reads when its services start. Imported by the harness before anything
 * from n8n-core, so InstanceSettings writes its config into a throwaway folder instead of ~/.n8n.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const n8nUserFolder = mkdtempSync(join(tmpdir(), 'postback-nodes-test-'));

process.env.N8N_USER_FOLDER = n8nUserFolder;
// A fixed key: otherwise n8n-core generates one and logs that it did.
process.env.N8N_ENCRYPTION_KEY ??= 'postback-node-tests-encryption-key';
process.env.N8N_LOG_LEVEL ??= 'error';
process.env.N8N_DIAGNOSTICS_ENABLED ??= 'false';

/** Removes the throwaway n8n folder; call from afterAll. */
export function removeN8nUserFolder(): void {
	rmSync(n8nUserFolder, { recursive: true, force: true });
}
