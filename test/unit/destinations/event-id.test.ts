import { eventIdFor } from '../../../src/destinations';
import { conversionIdFor } from '../../../src/store';
import { purchase, trackerClick } from './meta-fixtures';

describe('eventIdFor: the id platforms dedup on', () => {
	test('with a transaction id it is the store’s conversion id for (network, transaction, event)', () => {
		const conversion = purchase({ transactionId: 'T-1', eventName: 'Purchase' });
		expect(eventIdFor(conversion)).toBe(conversionIdFor({ network: conversion.network, transactionId: 'T-1', eventName: 'Purchase' }));
		expect(eventIdFor(purchase({ transactionId: 'T-1', eventName: 'Lead' }))).not.toBe(eventIdFor(conversion));
	});

	test('without one it is the funnel’s conversion id', () => {
		expect(eventIdFor(purchase({ transactionId: null, conversionId: 'cv_from_funnel' }))).toBe('cv_from_funnel');
	});

	test('with neither, distinct conversions get distinct ids (never one shared key), and a replay keeps its id', () => {
		const first = purchase({ transactionId: null, conversionId: undefined, clickId: null, occurredAt: '2026-07-15T10:00:00.000Z' });
		const second = purchase({ transactionId: null, conversionId: undefined, clickId: null, occurredAt: '2026-07-15T10:05:00.000Z' });
		expect(eventIdFor(first)).toMatch(/^cv_[0-9a-f]{32}$/);
		expect(eventIdFor(first)).not.toBe(eventIdFor(second));
		expect(eventIdFor({ ...first })).toBe(eventIdFor(first));
	});

	test('a click event is identified by its click id', () => {
		const click = trackerClick();
		expect(eventIdFor(click)).toBe(`click_${click.clickId}`);
	});
});
