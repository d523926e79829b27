import { POSTBACK_DESTINATION_PREFIX, postbackAttempt, postbackDestination } from '../../../src/partners/outbox';
import { postbackLeaseMs } from '../../../src/partners';

describe('postbackDestination', () => {
	const template = 'https://partner.example/pb?tid={transaction_id}&amount={amount}';

	it('is the Target ID when the operator named the target, whatever the template', () => {
		expect(postbackDestination('custom', template, ' voluum-main ')).toBe('postback:voluum-main');
		expect(postbackDestination('custom', 'https://other.example/{transaction_id}', 'voluum-main')).toBe('postback:voluum-main');
	});

	it('without a name, is the preset plus a stable hash of the template', () => {
		const id = postbackDestination('custom', template);
		expect(id).toMatch(/^postback:custom~[0-9a-f]{8}$/);
		expect(postbackDestination('custom', template, '  ')).toBe(id);
		expect(id.startsWith(POSTBACK_DESTINATION_PREFIX)).toBe(true);
	});

	it('tells apart two unnamed targets of one preset by their templates', () => {
		expect(postbackDestination('custom', template)).not.toBe(postbackDestination('custom', 'https://other.example/pb?tid={transaction_id}'));
		expect(postbackDestination('everflow', template)).not.toBe(postbackDestination('custom', template));
	});
});

describe('postbackAttempt', () => {
	it('settles a sent postback, and a duplicate whose claim is done, as sent', () => {
		expect(postbackAttempt({ status: 'sent' })).toEqual({ outcome: 'sent' });
		expect(postbackAttempt({ status: 'duplicate' })).toEqual({ outcome: 'sent' });
	});

	it('retries a duplicate another execution is still sending, not before its claim can be taken over', () => {
		expect(postbackAttempt({ status: 'duplicate', inFlight: true })).toEqual({ outcome: 'retry' });
		const now = new Date('2026-12-08T10:00:00.000Z');
		expect(postbackAttempt({ status: 'duplicate', inFlight: true, inFlightUntil: '2026-12-08T10:01:30.000Z' }, now)).toEqual({
			outcome: 'retry',
			retryAfterMs: 91_000,
		});
		// A claim already expired: due at once (the backoff still applies in the policy).
		expect(postbackAttempt({ status: 'duplicate', inFlight: true, inFlightUntil: '2026-12-08T09:00:00.000Z' }, now)).toEqual({
			outcome: 'retry',
			retryAfterMs: 0,
		});
	});
});

describe('postbackLeaseMs', () => {
	it('covers every attempt to its timeout with the longest backoff between them, and half a minute for the store', () => {
		expect(postbackLeaseMs(1, 30_000)).toBe(60_000);
		expect(postbackLeaseMs(2, 30_000)).toBe(2 * 30_000 + 30_000 + 30_000);
		expect(postbackLeaseMs(4, 30_000)).toBe(4 * 30_000 + 3 * 30_000 + 30_000);
		expect(postbackLeaseMs(0, 10_000)).toBe(40_000);
	});

	it('fails a refusal and retries what may succeed later', () => {
		expect(postbackAttempt({ status: 'failed', retryable: false })).toEqual({ outcome: 'failed' });
		expect(postbackAttempt({ status: 'failed', retryable: true })).toEqual({ outcome: 'retry' });
	});
});
