/**
 * Attribution: which stored click (and so which ad click ids and which affiliate) a conversion
 * belongs to. The click id the network echoed is looked up first, inside the attribution window
 * measured from the click to the conversion's `occurredAt`. Without a match, the fallbacks the
 * operator switched on are tried in this order, strongest evidence first: a coupon code mapped to an
 * affiliate, the customer's lifetime referral (by a SHA-256 of the normalized email), then the same
 * IP address and user agent inside a short window (Post Affiliate Pro's methods, seed 003).
 */
import { createHash } from 'node:crypto';
import type { Conversion } from '../model';
import type { ClickRecord, ConversionClick } from '../model/click';
import type { ClickStore, ReferralStore } from '../store/types';

export type { ConversionClick };
import { funnelRulesFor } from './network-rules';
import { platformClickFields } from '../destinations/click-fields';

export type AttributionWindow = '1d' | '7d' | '30d' | 'unlimited';
export const attributionWindows: readonly AttributionWindow[] = ['1d', '7d', '30d', 'unlimited'];
export type AttributionModel = 'lastClick' | 'firstClick';
export type Fallback = 'coupon' | 'lifetime' | 'ipUserAgent';
export const fallbacks: readonly Fallback[] = ['coupon', 'lifetime', 'ipUserAgent'];

export type AttributionMethod = 'click' | 'first-click' | 'coupon' | 'lifetime' | 'ip-user-agent' | 'none';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const WINDOW_MS: Record<AttributionWindow, number | undefined> = { '1d': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, unlimited: undefined };

/** The default window of the IP + user-agent fallback: one day. */
export const DEFAULT_IP_USER_AGENT_HOURS = 24;

/** The click's own fields that travel with a conversion, after every platform's click fields (their definitions'). */
const VISIT_FIELDS = ['ip', 'userAgent', 'landingUrl'] as const;

/** The fields of a stored click that travel with the conversion; absent and empty ones are left out. */
export function conversionClick(click: ClickRecord): ConversionClick {
	const out: ConversionClick = { clickId: click.clickId, clickedAt: click.clickedAt };
	const fields = click as unknown as Record<string, unknown>;
	for (const field of [...platformClickFields().map((each) => each.field), ...VISIT_FIELDS]) {
		const value = fields[field];
		if (typeof value === 'string' && value !== '') (out as unknown as Record<string, string>)[field] = value;
	}
	// Keep the documented key order: clickId first, clickedAt last.
	const { clickedAt, ...rest } = out;
	return { ...rest, clickedAt };
}

export interface Attribution {
	method: AttributionMethod;
	/** The click credited (click, first-click, ip-user-agent), or the click of the lifetime referral. */
	clickId?: string;
	/** With first-click: the click the network reported (the visitor's last click). */
	lastClickId?: string;
	/** The affiliate credited with the commission, and where that came from. */
	affiliateId?: string;
	affiliateSource?: 'click' | 'coupon' | 'lifetime' | 'network';
	couponCode?: string;
	window: AttributionWindow;
	model: AttributionModel;
	/** For 'none', and for fallbacks: why the click id did not match. */
	reason?: string;
}

export interface AttributionOptions {
	window?: AttributionWindow;
	model?: AttributionModel;
	fallbacks?: readonly Fallback[];
	/** The IP + user-agent fallback's window, in hours (never longer than the attribution window). */
	ipUserAgentHours?: number;
	/** The visitor's user agent, when the operator maps it; otherwise read from the postback (`user_agent`, `ua`). */
	userAgent?: string;
}

export interface AttributionResult {
	attribution: Attribution;
	click?: ClickRecord;
}

/** The key a customer is remembered by for lifetime referrals: SHA-256 (hex) of the trimmed, lower-cased email. */
export function customerKeyFor(email: string): string | undefined {
	const normalized = email.trim().toLowerCase();
	if (normalized === '') return undefined;
	return createHash('sha256').update(normalized, 'utf8').digest('hex');
}

const USER_AGENT_PARAMS = ['user_agent', 'useragent', 'ua', 'http_user_agent'];

function findParam(source: unknown, names: readonly string[]): string | undefined {
	if (source === null || typeof source !== 'object' || Array.isArray(source)) return undefined;
	for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
		if (!names.includes(key.toLowerCase())) continue;
		const text = Array.isArray(value) ? value[0] : value;
		if (typeof text === 'string' && text.trim() !== '') return text.trim();
	}
	return undefined;
}

/** The visitor's user agent as the postback reported it (a `user_agent` or `ua` parameter in the query or body). */
export function postbackUserAgent(conversion: Conversion): string | undefined {
	const { query, body } = conversion.raw;
	let parsedBody: unknown = body;
	if (typeof body === 'string' && body.includes('=')) parsedBody = Object.fromEntries(new URLSearchParams(body));
	return findParam(query, USER_AGENT_PARAMS) ?? findParam(parsedBody, USER_AGENT_PARAMS);
}

const iso = (ms: number) => new Date(Math.max(ms, 0)).toISOString();

/**
 * Attributes one conversion. Reads the store only. A click inside the window wins; then the enabled
 * fallbacks in order; otherwise 'none' with the reason. The credited affiliate is the click's (or the
 * coupon's, or the lifetime referral's); when none is known and the network names the partner itself
 * (Post Affiliate Pro, Aspire, Custom), the postback's affiliate id.
 */
export async function attributeConversion(
	conversion: Conversion,
	store: ClickStore & ReferralStore,
	options: AttributionOptions = {},
): Promise<AttributionResult> {
	const window = options.window ?? '30d';
	const model = options.model ?? 'lastClick';
	const enabled = new Set(options.fallbacks ?? []);
	const windowMs = WINDOW_MS[window];
	const occurredMs = Date.parse(conversion.occurredAt);
	// A conversion stamped before its click (clocks and time zones differ between systems) still belongs to it.
	const inWindow = (click: ClickRecord) => windowMs === undefined || occurredMs - Date.parse(click.clickedAt) <= windowMs;
	const windowStart = windowMs === undefined ? iso(0) : iso(occurredMs - windowMs);
	const base = { window, model };
	const networkAffiliate =
		conversion.affiliateId && funnelRulesFor(conversion.network).affiliateIsPartner
			? { affiliateId: conversion.affiliateId, affiliateSource: 'network' as const }
			: {};
	const clickAffiliate = (click: ClickRecord) => (click.affiliateId ? { affiliateId: click.affiliateId, affiliateSource: 'click' as const } : networkAffiliate);

	let reason: string;
	if (conversion.clickId) {
		const click = await store.findClick(conversion.clickId);
		if (click && inWindow(click)) {
			if (model === 'firstClick') {
				let first = click;
				if (click.visitorId) {
					const lastMs = Date.parse(click.clickedAt);
					const visits = await store.findClicksByVisitor(click.visitorId, windowStart);
					first = visits.find((visit) => Date.parse(visit.clickedAt) <= lastMs && inWindow(visit)) ?? click;
				}
				return {
					attribution: { method: 'first-click', clickId: first.clickId, lastClickId: click.clickId, ...clickAffiliate(first), ...base },
					click: first,
				};
			}
			return { attribution: { method: 'click', clickId: click.clickId, ...clickAffiliate(click), ...base }, click };
		}
		reason = click
			? `The click ${conversion.clickId} is older than the ${window} attribution window`
			: `No click with the id ${conversion.clickId} is in the tracking store`;
	} else {
		reason = 'The postback carried no click id';
	}

	if (enabled.has('coupon') && conversion.couponCode) {
		const affiliateId = await store.findCouponAffiliate(conversion.couponCode);
		if (affiliateId) {
			return { attribution: { method: 'coupon', couponCode: conversion.couponCode, affiliateId, affiliateSource: 'coupon', ...base, reason } };
		}
	}
	if (enabled.has('lifetime') && conversion.user.email) {
		const key = customerKeyFor(conversion.user.email);
		const customer = key ? await store.findCustomer(key) : undefined;
		if (customer) {
			return {
				attribution: {
					method: 'lifetime',
					...(customer.clickId ? { clickId: customer.clickId } : {}),
					affiliateId: customer.affiliateId,
					affiliateSource: 'lifetime',
					...base,
					reason,
				},
			};
		}
	}
	const userAgent = options.userAgent?.trim() || postbackUserAgent(conversion);
	if (enabled.has('ipUserAgent') && conversion.ip && userAgent) {
		const hours = options.ipUserAgentHours && options.ipUserAgentHours > 0 ? options.ipUserAgentHours : DEFAULT_IP_USER_AGENT_HOURS;
		const since = Math.max(occurredMs - hours * HOUR_MS, windowMs === undefined ? 0 : occurredMs - windowMs);
		// Newest first; a click after the conversion cannot have led to it.
		const clicks = (await store.findClicksByIpAndUserAgent(conversion.ip, userAgent, iso(since))).filter((click) => Date.parse(click.clickedAt) <= occurredMs);
		const click = model === 'firstClick' ? clicks[clicks.length - 1] : clicks[0];
		if (click) {
			return { attribution: { method: 'ip-user-agent', clickId: click.clickId, ...clickAffiliate(click), ...base, reason }, click };
		}
	}
	return { attribution: { method: 'none', ...networkAffiliate, ...base, reason } };
}
