import fc from 'fast-check';
import { conversionSchema, findConversionIssue } from '../../src/model';
import type { Conversion } from '../../src/model';

/**
 * findConversionIssue is the parsers' hand-written copy of the conversion schema's rules (zod's walk cost more
 * than the rest of parsing). It must reach the same verdict as the schema on every value: valid conversions,
 * and conversions with one field broken in any of the ways a preset could break it.
 */

const valid: Conversion = {
	network: 'custom',
	clickId: 'clk_1',
	transactionId: 'tx-1',
	orderId: null,
	networkEventType: null,
	eventName: null,
	status: 'approved',
	amount: '79.5',
	commission: '3.1',
	currency: 'USD',
	occurredAt: '2026-03-01T10:00:00.000Z',
	receivedAt: '2026-03-01T10:00:01+02:00',
	affiliateId: null,
	offerId: 'offer-9',
	merchantId: null,
	brandName: null,
	couponCode: null,
	ip: '203.0.113.9',
	subIds: { sub2: 'x' },
	user: { email: 'a@example.com', firstName: 'Ann' },
	raw: {
		method: 'POST',
		query: { a: 'b', list: ['1', '2'] },
		body: { nested: [1, 'two', null, { ok: true }] },
		headers: { 'content-type': 'application/json' },
	},
	authentication: 'token',
	consent: { adUserData: 'granted', adPersonalization: 'denied', gpc: true, source: 'postback' },
};

const anyValue = fc.oneof(
	fc.constant(undefined),
	fc.constant(null),
	fc.constant(''),
	fc.constant(' '),
	fc.string({ maxLength: 12 }),
	fc.integer(),
	fc.double(),
	fc.boolean(),
	fc.constantFrom('none', 'token', 'basic', 'hmac', 'ip_allowlist', 'Token', 'allowlist'),
	fc.constantFrom('79.50', '1e5', '-0', '12', '0.5', '007', 'usd', 'USD', 'XXX', 'EUR', 'ZZZ', 'approved', 'paid', 'reversed'),
	fc.constantFrom(
		'2026-02-30T10:00:00Z',
		'2026-02-28T10:00:00Z',
		'2026-02-28 10:00:00',
		'2026-02-28T10:00:00',
		'2026-13-01T00:00:00Z',
		'2026-02-28T10:00:00.123456789-05:00',
	),
	fc.constant([]),
	fc.constant(['a', 'b']),
	fc.constant(['a', 1]),
	fc.constant({}),
	fc.constant({ email: 'x@example.com' }),
	fc.constant({ email: '' }),
	fc.constant({ shoeSize: '9' }),
	fc.constant({ a: 1 }),
	fc.constant({ a: 'b' }),
	fc.constant(Number.NaN),
	fc.constantFrom('granted', 'denied', 'Granted', 'link', 'cookie', 'gpc', 'postback', 'node', 'browser'),
	fc.constant({ adUserData: 'denied' }),
	fc.constant({ adUserData: 'yes' }),
	fc.constant({ gpc: 'true' }),
);

const fieldPaths: string[][] = [
	...Object.keys(valid).map((key) => [key]),
	['user', 'email'],
	['user', 'phone'],
	['user', 'unknownKey'],
	['subIds', 'sub3'],
	['raw', 'method'],
	['raw', 'query'],
	['raw', 'query', 'a'],
	['raw', 'body'],
	['raw', 'headers'],
	['raw', 'headers', 'x-one'],
	['consent', 'adUserData'],
	['consent', 'adPersonalization'],
	['consent', 'gpc'],
	['consent', 'source'],
	['consent', 'unknownKey'],
	['extraTopLevelKey'],
];

function withValueAt(path: string[], value: unknown): unknown {
	const copy = structuredClone(valid) as unknown as Record<string, unknown>;
	let target = copy;
	for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
	const last = path[path.length - 1];
	if (value === undefined) delete target[last];
	else target[last] = value;
	return copy;
}

describe('findConversionIssue agrees with conversionSchema', () => {
	it('accepts the valid conversion, as the schema does', () => {
		expect(conversionSchema.safeParse(valid).success).toBe(true);
		expect(findConversionIssue(valid)).toBeUndefined();
	});

	it('reaches the schema verdict for one field set to anything (3,000 generated cases)', () => {
		fc.assert(
			fc.property(fc.constantFrom(...fieldPaths), anyValue, (path, value) => {
				const candidate = withValueAt(path, value);
				const schemaAccepts = conversionSchema.safeParse(candidate).success;
				const issue = findConversionIssue(candidate);
				expect({ path: path.join('.'), value, accepts: issue === undefined }).toEqual({ path: path.join('.'), value, accepts: schemaAccepts });
			}),
			{ numRuns: 3000, seed: 20261121 },
		);
	});

	it('names the field the schema names first', () => {
		const broken = withValueAt(['currency'], 'usd');
		const issue = findConversionIssue(broken);
		const schemaIssue = conversionSchema.safeParse(broken);
		expect(schemaIssue.success).toBe(false);
		expect(issue?.path).toBe(!schemaIssue.success ? schemaIssue.error.issues[0].path.join('.') : '');
	});

	it('refuses bodies that do not survive JSON, as the schema does', () => {
		const cyclic: Record<string, unknown> = {};
		cyclic.self = cyclic;
		for (const body of [cyclic, { when: new Date(0) }, { n: Number.POSITIVE_INFINITY }, [() => 1]]) {
			const candidate = withValueAt(['raw', 'body'], null) as Conversion;
			(candidate.raw as { body: unknown }).body = body;
			expect(conversionSchema.safeParse(candidate).success).toBe(false);
			expect(findConversionIssue(candidate)?.path).toBe('raw.body');
		}
	});
});
