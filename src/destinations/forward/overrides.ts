/**
 * The Override Fields every platform node offers, applied to an event: what the operator typed (often an
 * expression) replaces what the item says. Bad values stop the item with a message naming the field.
 */
import { isKnownCurrency, normalizeDecimal } from '../../model';
import { given } from '../definition';
import type { ForwardableConversion, ForwardableEvent, Platform } from '../types';
import { ItemError } from './item-error';

/** The overrides every platform node offers; a node may add its own keys. */
export interface CommonOverrides {
	eventName?: string;
	eventTime?: string;
	email?: string;
	phone?: string;
	externalId?: string;
	value?: string | number;
	currency?: string;
	orderId?: string;
	clickId?: string;
	ip?: string;
	userAgent?: string;
	pageUrl?: string;
}

/** What applyOverrides needs to know about the platform. */
export interface OverrideTarget {
	platform: Platform;
	/** The money field the platform's value comes from ('commission' or 'amount'). */
	valueFrom: 'commission' | 'amount';
	/** The click field the Click ID override sets (ttclid, sccid, epik, rdtCid, msclkid…). */
	clickIdField?: string;
}

/**
 * Applies the overrides to a copy of the event: the platform's event name, the time, the person's email, phone
 * and external id, the value, currency and order id, and the click's id, IP, user agent and page.
 */
export function applyOverrides(input: ForwardableEvent, overrides: CommonOverrides, target: OverrideTarget, itemIndex: number): ForwardableEvent {
	const fail = (message: string) => new ItemError(message, itemIndex);
	const isClick = !('transactionId' in input);
	const event = { ...input } as Record<string, unknown>;

	const eventName = given(overrides.eventName);
	if (eventName)
		event.destinationEvents = {
			...(event.destinationEvents as object | undefined),
			[target.platform]: eventName,
		};

	const eventTime = given(overrides.eventTime);
	if (eventTime) {
		const at = Date.parse(eventTime);
		if (Number.isNaN(at)) throw fail(`Event Time "${eventTime}" is not a date`);
		event[isClick ? 'clickedAt' : 'occurredAt'] = new Date(at).toISOString();
	}

	const user = { ...(event.user as object | undefined) } as Record<string, string>;
	for (const field of ['email', 'phone', 'externalId'] as const) {
		const value = given(overrides[field]);
		if (value) user[field] = value;
	}
	if (Object.keys(user).length > 0) event.user = user;

	if (!isClick) {
		const value = given(overrides.value);
		if (value) {
			const decimal = normalizeDecimal(value);
			if (decimal === undefined || decimal.startsWith('-')) throw fail(`Value "${value}" is not a non-negative decimal number such as 39.50`);
			event[target.valueFrom] = decimal;
		}
		const currency = given(overrides.currency)?.toUpperCase();
		if (currency) {
			if (!/^[A-Z]{3}$/.test(currency) || !isKnownCurrency(currency)) throw fail(`Currency "${currency}" is not an ISO 4217 code such as USD`);
			event.currency = currency;
		}
		const orderId = given(overrides.orderId);
		if (orderId) event.orderId = orderId;
	}

	const pageUrl = given(overrides.pageUrl);
	if (pageUrl && !URL.canParse(pageUrl)) throw fail(`Page URL "${pageUrl}" is not an absolute URL`);
	const clickFields: Record<string, string | undefined> = {
		...(target.clickIdField ? { [target.clickIdField]: given(overrides.clickId) } : {}),
		ip: given(overrides.ip),
		userAgent: given(overrides.userAgent),
		landingUrl: pageUrl,
	};
	const setClickFields = Object.fromEntries(Object.entries(clickFields).filter(([, value]) => value !== undefined));
	if (Object.keys(setClickFields).length > 0) {
		if (isClick) Object.assign(event, setClickFields);
		else {
			// A conversion's click fields travel on its click: start one from the conversion when it has none.
			const conversion = input as ForwardableConversion;
			event.click = {
				clickId: conversion.clickId ?? '',
				clickedAt: conversion.occurredAt,
				...conversion.click,
				...setClickFields,
			};
		}
	}
	return event as unknown as ForwardableEvent;
}

/**
 * The overrides as the node saved them, resolved for applyOverrides: the Click ID override counts only when the
 * platform has a click field, and may be kept under that field's own name (TikTok's saved workflows use `ttclid`).
 */
export function resolveOverrides(saved: CommonOverrides & Record<string, unknown>, clickIdField?: string): CommonOverrides {
	const clickId = clickIdField ? (saved.clickId ?? (saved[clickIdField] as string | undefined)) : undefined;
	return { ...saved, clickId };
}

/** The money field a configuration's Value From names; commission when it names none. */
export function valueFromOf(config: unknown): 'commission' | 'amount' {
	return (config as { valueFrom?: 'commission' | 'amount' }).valueFrom ?? 'commission';
}
