import fc from 'fast-check';
import { isHostAllowed, normalizeDomain, parseDomainAllowlist, parseHttpUrl, resolveTarget } from '../../../src/clicks';
import type { TargetPolicy } from '../../../src/clicks';

const ALLOWED = 'shareasale.com, awin1.com, example.com, 203.0.113.5';
const policy: TargetPolicy = {
	allowedDomains: ALLOWED,
	offers: [
		{ name: 'WPEngine', url: 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=' },
		{ name: 'everflow', url: 'https://trk.brand.test/abc?oid=1', network: 'everflow' },
		{ name: 'custom', url: 'https://trk.brand.test/abc?oid=2', subidParam: 'aff_sub3' },
		{ name: 'placeholder', url: 'https://trk.brand.test/c/--CLICK-ID--' },
		{ name: 'broken', url: 'javascript:alert(1)' },
		{ name: 'nosubid', url: 'https://unknown.test/offer' },
	],
};
const target = (query: Record<string, unknown>, extra: Partial<TargetPolicy> = {}) => resolveTarget(query, { ...policy, ...extra });

describe('the domain allowlist', () => {
	it('reads domains, wildcards, pasted URLs and IP addresses; refuses what it cannot read', () => {
		expect(parseDomainAllowlist('Example.COM, *.awin1.com .shareasale.com\nhttps://impact.com/ 203.0.113.5 [2001:db8::1] bücher.example')).toEqual({
			domains: ['example.com', 'awin1.com', 'shareasale.com', 'impact.com', '203.0.113.5', '[2001:db8::1]', 'xn--bcher-kva.example'],
			invalid: [],
		});
		expect(parseDomainAllowlist('com, https://a.com/path, a.com:8080, user@a.com, *, 127.1, 0x7f.0.0.1, a..com, -a.com').invalid).toEqual([
			'com',
			'https://a.com/path',
			'a.com:8080',
			'user@a.com',
			'*',
			'127.1',
			'0x7f.0.0.1',
			'a..com',
			'-a.com',
		]);
		expect(normalizeDomain('  ')).toBeUndefined();
		expect(normalizeDomain('example.com.')).toBe('example.com');
	});

	it('allows the exact host and its subdomains, nothing that merely ends the same way', () => {
		const list = parseDomainAllowlist(ALLOWED);
		expect(isHostAllowed('example.com', list)).toBe(true);
		expect(isHostAllowed('www.example.com', list)).toBe(true);
		expect(isHostAllowed('a.b.example.com', list)).toBe(true);
		expect(isHostAllowed('EXAMPLE.com.', list)).toBe(true);
		expect(isHostAllowed('badexample.com', list)).toBe(false);
		expect(isHostAllowed('example.com.evil.test', list)).toBe(false);
		expect(isHostAllowed('example.co', list)).toBe(false);
		expect(isHostAllowed('', list)).toBe(false);
	});

	it('allows IP-literal hosts only when that exact address is listed', () => {
		const list = parseDomainAllowlist(ALLOWED);
		expect(isHostAllowed('203.0.113.5', list)).toBe(true);
		expect(isHostAllowed('203.0.113.6', list)).toBe(false);
		expect(isHostAllowed('1.203.0.113.5', list)).toBe(false);
		expect(isHostAllowed('[::1]', parseDomainAllowlist('example.com'))).toBe(false);
	});
});

describe('resolveTarget: configured offers', () => {
	it('finds an offer by name (not case-sensitive) and its subid from the link domain', () => {
		expect(target({ offer: 'wpengine' })).toEqual({
			ok: true,
			target: {
				source: 'offer',
				offerId: 'WPEngine',
				url: 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=',
				host: 'shareasale.com',
				network: 'shareasale',
				subidParam: 'afftrack',
			},
		});
	});

	it('uses the configured network, a typed parameter, or the placeholder', () => {
		expect(target({ offer: 'everflow' })).toMatchObject({ ok: true, target: { network: 'everflow', subidParam: 'sub1' } });
		expect(target({ offer: 'custom' })).toMatchObject({ ok: true, target: { subidParam: 'aff_sub3' } });
		const placeholder = target({ offer: 'placeholder' });
		expect(placeholder.ok && placeholder.target.subidParam).toBeUndefined();
	});

	it('configured offers need no allowlist entry', () => {
		expect(target({ offer: 'everflow' }, { allowedDomains: '' }).ok).toBe(true);
	});

	it('answers 404 for an unknown offer, 400 when there is no target or both kinds', () => {
		expect(target({ offer: 'nope' })).toMatchObject({ ok: false, status: 404, error: { code: 'unknown_offer', field: 'offer' } });
		expect(target({})).toMatchObject({ ok: false, status: 400, error: { code: 'missing_target' } });
		expect(target({ offer: '' })).toMatchObject({ ok: false, status: 400, error: { code: 'missing_target' } });
		expect(target({ offer: 'wpengine', url: 'https://example.com/' })).toMatchObject({ ok: false, status: 400, error: { code: 'conflicting_target' } });
		expect(target({ offer: ['a', 'b'] })).toMatchObject({ ok: false, status: 400, error: { code: 'conflicting_target', field: 'offer' } });
		expect(target({ url: { nested: 'x' } })).toMatchObject({ ok: false, status: 400, error: { code: 'conflicting_target', field: 'url' } });
	});

	it("reports a broken offer as the operator's configuration error (500)", () => {
		expect(target({ offer: 'broken' })).toMatchObject({ ok: false, status: 500, error: { code: 'misconfigured' } });
		expect(target({ offer: 'nosubid' })).toMatchObject({
			ok: false,
			status: 500,
			error: { code: 'misconfigured', message: expect.stringContaining('--CLICK-ID--') },
		});
	});
});

describe('resolveTarget: links passed in the request', () => {
	it('accepts allowed domains and picks the subid from the domain, the network hint or the default', () => {
		expect(target({ url: 'https://www.awin1.com/cread.php?awinmid=1&awinaffid=2' })).toMatchObject({
			ok: true,
			target: { source: 'url', network: 'awin', subidParam: 'clickref' },
		});
		expect(target({ url: 'https://go.example.com/landing' })).toMatchObject({ ok: true, target: { subidParam: 'click_id' } });
		expect(target({ url: 'https://go.example.com/landing' }, { defaultSubidParam: 'cid' })).toMatchObject({ ok: true, target: { subidParam: 'cid' } });
		expect(target({ url: 'https://go.example.com/t', network: 'tune' })).toMatchObject({ ok: true, target: { network: 'tune', subidParam: 'aff_click_id' } });
		expect(target({ url: 'https://go.example.com/t', network: 'madeup' })).toMatchObject({ ok: false, status: 400, error: { code: 'unknown_network' } });
		expect(target({ url: 'http://203.0.113.5/offer' })).toMatchObject({ ok: true });
	});

	it('refuses every link when no domain is allowed', () => {
		expect(target({ url: 'https://example.com/' }, { allowedDomains: '' })).toMatchObject({ ok: false, status: 403, error: { code: 'domain_not_allowed' } });
	});

	it('names allowlist entries it could not read when refusing', () => {
		expect(target({ url: 'https://shop.test/' }, { allowedDomains: 'shop.test/x' })).toMatchObject({
			ok: false,
			error: { message: expect.stringContaining('shop.test/x') },
		});
	});

	const hostile: Array<[string, string]> = [
		['https://evil.test/', 'domain_not_allowed'],
		['https://example.com@evil.test/', 'credentials_in_url'],
		['https://example.com:443@evil.test/', 'credentials_in_url'],
		['https://user:pass@example.com/', 'credentials_in_url'],
		['https://@example.com/', 'credentials_in_url'],
		['https://evil.test#@example.com/', 'domain_not_allowed'],
		['https://evil.test?@example.com/', 'domain_not_allowed'],
		['https://evil.test/.example.com', 'domain_not_allowed'],
		['https://example.com.evil.test/', 'domain_not_allowed'],
		['https://evilexample.com/', 'domain_not_allowed'],
		['https://example.com%2eevil.test/', 'invalid_url'],
		['https://evil.test%2f.example.com/', 'invalid_url'],
		['//evil.test/', 'invalid_url'],
		['//example.com/', 'invalid_url'],
		['/\\evil.test', 'invalid_url'],
		['\\\\evil.test', 'invalid_url'],
		['https:\\\\evil.test', 'invalid_url'],
		['https:/\\evil.test/', 'invalid_url'],
		['https://evil.test\\@example.com/', 'invalid_url'],
		['https://example.com\\@evil.test/', 'invalid_url'],
		['https:evil.test', 'unsupported_scheme'],
		['https:/evil.test', 'unsupported_scheme'],
		['javascript:alert(1)//example.com', 'unsupported_scheme'],
		['JAVASCRIPT:alert(1)', 'unsupported_scheme'],
		['java\tscript:alert(1)', 'invalid_url'],
		[' https://evil.test/', 'invalid_url'],
		['https://evil.test/ ', 'invalid_url'],
		['\u0000https://example.com/', 'invalid_url'],
		['https://exa\tmple.com/', 'invalid_url'],
		['https://exa\nmple.com/', 'invalid_url'],
		['data:text/html,<script>alert(1)</script>', 'unsupported_scheme'],
		['vbscript:msgbox', 'unsupported_scheme'],
		['ftp://example.com/', 'unsupported_scheme'],
		['file:///etc/passwd', 'unsupported_scheme'],
		['mailto:a@example.com', 'unsupported_scheme'],
		['example.com', 'invalid_url'],
		['www.example.com/path', 'invalid_url'],
		['/relative/path', 'invalid_url'],
		['http://127.0.0.1/', 'domain_not_allowed'],
		['http://2130706433/', 'invalid_url'],
		['http://0x7f.0.0.1/', 'invalid_url'],
		['http://[::1]/', 'domain_not_allowed'],
		['http://[::ffff:203.0.113.5]/', 'domain_not_allowed'],
		['http://203.0.113.05/', 'invalid_url'],
		['https://exаmple.com/', 'invalid_url'], // Cyrillic а
		['https://example。com/', 'invalid_url'], // ideographic full stop
		['https://xn--exmple-cua.com/', 'domain_not_allowed'],
		['https://example.com\u2028.evil.test/', 'invalid_url'],
		['https://', 'invalid_url'],
		['http:///example.com', 'invalid_url'],
		['https://[example.com]/', 'invalid_url'],
		['https://%65xample.com/', 'invalid_url'],
		['https://evil.test\u0000.example.com/', 'invalid_url'],
		[`https://example.com/${'a'.repeat(5000)}`, 'invalid_url'],
	];

	it.each(hostile)('refuses %j (%s)', (url, code) => {
		const result = target({ url });
		expect(result.ok).toBe(false);
		if (!result.ok) {
			expect(result.error.code).toBe(code);
			expect(result.status).toBeGreaterThanOrEqual(400);
			expect(result.status).toBeLessThan(500);
		}
	});

	it('accepts case and trailing-dot variants of allowed hosts, ports and subdomains', () => {
		for (const url of [
			'HTTPS://EXAMPLE.COM/x',
			'https://example.com./x',
			'https://shop.example.com:8443/x',
			'http://example.com',
			'https://example.com?q=https://evil.test',
		]) {
			expect(target({ url })).toMatchObject({ ok: true });
		}
	});
});

describe('resolveTarget: never an open redirect (properties)', () => {
	const allowlist = parseDomainAllowlist(ALLOWED);
	const accepted = (url: string) => {
		const result = resolveTarget({ url }, policy);
		if (!result.ok) return false;
		// Whatever was accepted, a browser's URL parser must land on an allowed host with no credentials.
		const parsed = new URL(result.target.url);
		expect(['http:', 'https:']).toContain(parsed.protocol);
		expect(parsed.username + parsed.password).toBe('');
		expect(isHostAllowed(parsed.hostname, allowlist)).toBe(true);
		expect(parsed.hostname).toBe(result.target.host);
		return true;
	};

	const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
	const outsideHost = fc
		.array(label, { minLength: 1, maxLength: 4 })
		.map((labels) => labels.join('.'))
		.filter((host) => !['shareasale.com', 'awin1.com', 'example.com'].some((domain) => host === domain || host.endsWith(`.${domain}`)));
	const piece = fc.constantFrom(
		'',
		'example.com',
		'@',
		':',
		'/',
		'\\',
		'#',
		'?',
		'.',
		'%2e',
		'%40',
		'//',
		'https:',
		'\t',
		' ',
		'\u3002',
		'@example.com',
		'.example.com',
		'example.com@',
	);

	it('no generated host outside the allowlist is ever accepted, with any decoration', () => {
		fc.assert(
			fc.property(
				fc.constantFrom('http', 'https', 'HTTPS', 'javascript', 'ftp', ''),
				fc.array(piece, { maxLength: 4 }),
				outsideHost,
				fc.array(piece, { maxLength: 4 }),
				(scheme, before, host, after) => {
					const url = `${scheme}${scheme ? ':' : ''}//${before.join('')}${host}${after.join('')}`;
					const result = resolveTarget({ url }, policy);
					if (result.ok) {
						// Only possible when the decoration itself made an allowed host the real one; it must then be allowed.
						accepted(url);
					}
				},
			),
			{ numRuns: 3000 },
		);
	});

	it('for arbitrary strings, anything accepted parses to an allowed host', () => {
		fc.assert(
			fc.property(
				fc.oneof(
					fc.string(),
					fc.webUrl({ withQueryParameters: true, withFragments: true }),
					fc.webUrl().map((u) => u.replace('://', '://example.com@')),
				),
				(url) => {
					accepted(url);
				},
			),
			{ numRuns: 3000 },
		);
	});

	it('allowed hosts with any path, query and fragment are accepted', () => {
		fc.assert(
			fc.property(
				fc.constantFrom('example.com', 'www.example.com', 'shareasale.com', 'x.awin1.com'),
				fc.webPath(),
				fc.webQueryParameters(),
				fc.webFragments(),
				(host, path, query, fragment) => {
					const url = `https://${host}${path}${query ? `?${query}` : ''}${fragment ? `#${fragment}` : ''}`;
					if (!/^[\x21-\x7e]*$/.test(url) || url.includes('\\')) return;
					expect(accepted(url)).toBe(true);
				},
			),
		);
	});
});

describe('parseHttpUrl', () => {
	it('keeps the text as given alongside the parsed URL', () => {
		const result = parseHttpUrl('https://Example.com/a%20b?x=1', 'url');
		expect(result).toMatchObject({ ok: true, raw: 'https://Example.com/a%20b?x=1' });
		expect(result.ok && result.url.hostname).toBe('example.com');
	});
});
