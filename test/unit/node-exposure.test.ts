import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AffiliatePayouts } from '../../nodes/AffiliatePayouts/AffiliatePayouts.node';
import { PostbackStorePostgresApi } from '../../credentials/PostbackStorePostgresApi.credentials';
import { ClickBankInsApi } from '../../credentials/ClickBankInsApi.credentials';

/** What the package exposes, beyond each node's own behaviour: who may call a node, and how its credentials default. */
describe('node and credential exposure', () => {
	test('Affiliate Payouts is not usable as an AI-agent tool (it moves real money)', () => {
		expect(new AffiliatePayouts().description.usableAsTool).toBeUndefined();
	});

	test('the PostgreSQL store credential prefers TLS by default and offers require and verify-full', () => {
		const ssl = new PostbackStorePostgresApi().properties.find((property) => property.name === 'ssl')!;
		expect(ssl.default).toBe('prefer');
		expect((ssl.options as Array<{ value: string }>).map((option) => option.value).sort()).toEqual(['disable', 'prefer', 'require', 'verify-full']);
	});

	test('the ClickBank INS credential is registered with n8n and keeps its key as a password', () => {
		const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { n8n: { credentials: string[] } };
		expect(manifest.n8n.credentials).toContain('dist/credentials/ClickBankInsApi.credentials.js');
		expect(new ClickBankInsApi().properties.find((property) => property.name === 'secretKey')).toMatchObject({ typeOptions: { password: true } });
	});
});
