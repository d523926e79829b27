import { DESTINATION_EVENTS, DESTINATION_NAMES, destinationEventsFor, destinations } from '../../../src/funnel/events';

/**
 * The Funnel's mapping table comes from the platforms' definitions (their `events`): it must stay the table
 * it was when it was written by hand, which saved workflows' mappings rely on.
 */
test('the platform list and names are the hand-written table’s, in its order', () => {
	expect([...destinations]).toEqual(['meta', 'tiktok', 'ga4', 'snapchat', 'pinterest', 'reddit', 'microsoft']);
	expect(Array.isArray(destinations)).toBe(true);
	expect({ ...DESTINATION_NAMES }).toEqual({
		meta: 'Meta',
		tiktok: 'TikTok',
		ga4: 'GA4',
		snapchat: 'Snapchat',
		pinterest: 'Pinterest',
		reddit: 'Reddit',
		microsoft: 'Microsoft Advertising',
	});
	expect(Object.keys(DESTINATION_NAMES)).toEqual([...destinations]);
});

test('each platform’s names for our three events are the hand-written table’s', () => {
	expect(JSON.parse(JSON.stringify(DESTINATION_EVENTS))).toEqual({
		Purchase: {
			meta: 'Purchase',
			tiktok: 'CompletePayment',
			ga4: 'purchase',
			snapchat: 'PURCHASE',
			pinterest: 'checkout',
			reddit: 'PURCHASE',
			microsoft: 'purchase',
		},
		Lead: { meta: 'Lead', tiktok: 'Lead', ga4: 'generate_lead', snapchat: 'SIGN_UP', pinterest: 'lead', reddit: 'LEAD', microsoft: 'generate_lead' },
		CompleteRegistration: {
			meta: 'CompleteRegistration',
			tiktok: 'CompleteRegistration',
			ga4: 'sign_up',
			snapchat: 'SIGN_UP',
			pinterest: 'signup',
			reddit: 'SIGN_UP',
			microsoft: 'sign_up',
		},
	});
	expect('Purchase' in DESTINATION_EVENTS).toBe(true);
	expect(DESTINATION_EVENTS.Subscribe).toBeUndefined();
});

test('an event outside the table keeps its name only for the platforms that take custom names (Meta)', () => {
	expect(destinationEventsFor('Subscribe')).toEqual({ meta: 'Subscribe' });
	expect(destinationEventsFor('Subscribe', { Subscribe: { reddit: 'Subscribe' } })).toEqual({ meta: 'Subscribe', reddit: 'Subscribe' });
	expect(destinationEventsFor('Lead', { Lead: { meta: '' } })).toEqual({
		tiktok: 'Lead',
		ga4: 'generate_lead',
		snapchat: 'SIGN_UP',
		pinterest: 'lead',
		reddit: 'LEAD',
		microsoft: 'generate_lead',
	});
});
