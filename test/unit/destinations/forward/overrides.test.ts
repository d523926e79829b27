import fc from 'fast-check';
import { type CommonOverrides, ItemError, applyOverrides, resolveOverrides, valueFromOf } from '../../../../src/destinations/forward';
import type { ForwardableEvent } from '../../../../src/destinations';
import { purchase, trackerClick } from '../meta-fixtures';

const REDDIT = { platform: 'reddit', valueFrom: 'commission', clickIdField: 'rdtCid' } as const;
const conversion = (extra = {}) => purchase(extra) as ForwardableEvent & ReturnType<typeof purchase>;
const click = () => trackerClick() as unknown as ForwardableEvent;
const apply = (event: ForwardableEvent, overrides: CommonOverrides, target: Parameters<typeof applyOverrides>[2] = REDDIT, itemIndex = 0) =>
	applyOverrides(event, overrides, target, itemIndex) as unknown as Record<string, unknown>;

function thrown(run: () => unknown): ItemError {
	try {
		run();
	} catch (error) {
		return error as ItemError;
	}
	throw new Error('nothing was thrown');
}

describe('applyOverrides', () => {
	test("the event name becomes the platform's, the other platforms' names kept", () => {
		expect(apply(conversion(), { eventName: ' CUSTOM ' }).destinationEvents).toEqual({ meta: 'Purchase', tiktok: 'CompletePayment', reddit: 'CUSTOM' });
	});

	test("the event time sets a conversion's occurredAt and a click's clickedAt, as ISO", () => {
		expect(apply(conversion(), { eventTime: '2026-07-15T09:30:00+02:00' }).occurredAt).toBe('2026-07-15T07:30:00.000Z');
		expect(apply(click(), { eventTime: '2026-07-15T09:30:00Z' }).clickedAt).toBe('2026-07-15T09:30:00.000Z');
	});

	test("the person's fields join what the item has; a number (from an expression) as its text", () => {
		const event = apply(conversion({ user: { email: 'old@example.com', firstName: 'Ada' } }), {
			email: 'a@example.com',
			phone: '+1 555 0100',
			externalId: 7 as never,
		});
		expect(event.user).toEqual({ email: 'a@example.com', firstName: 'Ada', phone: '+1 555 0100', externalId: '7' });
	});

	test('the value lands in the Value From field, normalised; currency upper-cased; order id set', () => {
		const event = apply(conversion(), { value: '12.50', currency: 'eur', orderId: 'O-1' }, { ...REDDIT, valueFrom: 'amount' });
		expect(event).toMatchObject({ amount: '12.5', commission: '39.5', currency: 'EUR', orderId: 'O-1' });
		expect(apply(conversion(), { value: 12 }).commission).toBe('12');
	});

	test('a click has no value, currency or order: those overrides leave it alone', () => {
		const event = apply(click(), { value: 'not a number', currency: 'nope', orderId: 'O-1' });
		expect(event).toEqual(click());
	});

	test.each([
		[{ eventTime: 'yesterday' }, 'Event Time "yesterday" is not a date'],
		[{ value: '-5' }, 'Value "-5" is not a non-negative decimal number such as 39.50'],
		[{ value: '39,50' }, 'Value "39,50" is not a non-negative decimal number such as 39.50'],
		[{ currency: 'usdx' }, 'Currency "USDX" is not an ISO 4217 code such as USD'],
		[{ currency: 'XYZ' }, 'Currency "XYZ" is not an ISO 4217 code such as USD'],
		[{ pageUrl: '/landing' }, 'Page URL "/landing" is not an absolute URL'],
	] as Array<[CommonOverrides, string]>)('%j stops the item with a message naming the field', (overrides, message) => {
		const error = thrown(() => apply(conversion(), overrides, REDDIT, 4));
		expect(error).toBeInstanceOf(ItemError);
		expect(error.message).toBe(message);
		expect(error.itemIndex).toBe(4);
		expect(error.description).toBeUndefined();
	});

	test("a conversion's click fields go on its click, started from the conversion when it has none", () => {
		const fields = { clickId: 'rdt-1', ip: '198.51.100.1', userAgent: 'UA', pageUrl: 'https://example.com/p' };
		expect(apply(conversion({ click: undefined, clickId: 'c-1' }), fields).click).toEqual({
			clickId: 'c-1',
			clickedAt: conversion().occurredAt,
			rdtCid: 'rdt-1',
			ip: '198.51.100.1',
			userAgent: 'UA',
			landingUrl: 'https://example.com/p',
		});
		expect(apply(conversion(), { ip: '198.51.100.1' }).click).toMatchObject({
			clickId: conversion().click!.clickId,
			fbclid: 'IwAR2xYz_Q-9',
			ip: '198.51.100.1',
		});
	});

	test("a click's fields are set on the click itself; without a click field the Click ID override is ignored", () => {
		const event = apply(click(), { clickId: 'rdt-1', userAgent: 'UA' });
		expect(event).toMatchObject({ rdtCid: 'rdt-1', userAgent: 'UA' });
		expect(event).not.toHaveProperty('click');
		expect(apply(click(), { clickId: 'x' }, { platform: 'ga4', valueFrom: 'commission' })).toEqual(click());
	});

	test('empty and blank overrides change nothing, and the input is never modified', () => {
		const blank = fc.constantFrom(undefined, '', '   ', '\t');
		const keys = ['eventName', 'eventTime', 'email', 'phone', 'externalId', 'value', 'currency', 'orderId', 'clickId', 'ip', 'userAgent', 'pageUrl'];
		fc.assert(
			fc.property(fc.record(Object.fromEntries(keys.map((key) => [key, blank]))), fc.boolean(), (overrides, isClick) => {
				const input = isClick ? click() : conversion();
				const before = structuredClone(input);
				expect(apply(input, overrides as CommonOverrides)).toEqual(before);
				expect(input).toEqual(before);
			}),
		);
	});

	test('any override leaves the input as it was', () => {
		fc.assert(
			fc.property(
				fc.record(
					{ eventName: fc.string(), email: fc.string(), value: fc.string(), currency: fc.constantFrom('usd', 'EUR', ''), ip: fc.string() },
					{ requiredKeys: [] },
				),
				(overrides) => {
					const input = conversion();
					const before = structuredClone(input);
					try {
						apply(input, overrides);
					} catch (error) {
						expect(error).toBeInstanceOf(ItemError);
					}
					expect(input).toEqual(before);
				},
			),
		);
	});
});

describe('resolveOverrides and valueFromOf', () => {
	test("the Click ID override may be saved under the click field's name (TikTok's ttclid); clickId wins", () => {
		expect(resolveOverrides({ ttclid: 'T' }, 'ttclid').clickId).toBe('T');
		expect(resolveOverrides({ clickId: 'C', ttclid: 'T' }, 'ttclid').clickId).toBe('C');
	});

	test('without a click field there is no Click ID override', () => {
		expect(resolveOverrides({ clickId: 'C', email: 'a@example.com' })).toEqual({ clickId: undefined, email: 'a@example.com' });
	});

	test('Value From comes from the configuration, commission when it has none', () => {
		expect(valueFromOf({ valueFrom: 'amount' })).toBe('amount');
		expect(valueFromOf({ pixelId: 'p' })).toBe('commission');
	});
});
