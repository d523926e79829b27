/**
 * Personal data in the tracking store (issue 13): how long each kind is kept (retention), and erasing one person.
 * Pure parts shared by both stores: checking a retention policy and a person's keys, finding a person in a stored
 * conversion, and redacting a conversion's payload so that its money and ids stay and its personal data goes.
 *
 * Where personal data sits, and what happens to it:
 * - clicks: IP, user agent, referrer, landing and offer URLs, visitor cookie, ad click ids and cookies. Deleted
 *   (retention: older than the cutoff; erasure: the person's clicks and every click of the same visitor cookie).
 *   click_sequences (click id → a counter) stays: resetting it would make a later TUNE repeat conversion collide
 *   with an earlier one's dedup key, and it holds no more than an id.
 * - conversions.payload: the whole canonical conversion — user data (email, phone, names, address, external id),
 *   the visitor's IP, sub ids, the click's visit details and the raw postback (query, body, headers). Redacted in
 *   place (redactPayload): ids, money, statuses, attribution method and ledger outcome stay, so reversals, the
 *   conversion log and the ledger keep working. The columns (ids, amounts, status, times) are never touched.
 * - conversion_status_history.detail: the raw postback of each status change. Set to REDACTED_JSON; the status
 *   line itself (status, time) stays.
 * - deliveries.reason: a destination's error text, which may quote a value it refused. Set to REDACTED_TEXT
 *   (erasure), or the whole line deleted (retention of delivery records).
 * - customers: customer key (SHA-256 of the email, or whatever key a library caller used, possibly the email
 *   itself) → affiliate. Deleted.
 * - leases in namespace 'auth-replay' (replay memory): deleted once expired for the retention period.
 * - outbox.item: the funnel item a pending delivery will be sent again with (unhashed customer data). Removed when
 *   the entry is settled; retention (customerData) and erasure remove it from pending entries too, which then give
 *   up (code 'retention' or 'erased'): nothing is sent without its item. Settled entries (no item left) are deleted
 *   with the delivery records (retention of deliveries); erasure redacts their reason as it does a delivery's.
 *   Replay (replayDeliveries) puts an item back from the conversion's payload only while that payload is not
 *   redacted (conversions.privacy unset), and never for an entry given up by retention or erasure.
 * Not personal data of the converting person, kept: the ledger (amounts, ids, generated notes), payout items and
 * their history (the affiliate's own payout receiver, kept for the operator's accounting), coupons, dedup claims.
 */

import { createHash } from 'node:crypto';
import { email as normalizeEmail, emailWithoutGmailDots } from '../identity/normalizers';
import { toE164 } from '../identity/phone';
import { StoreInputError } from './common';

/** What replaces a redacted text column (a delivery's reason). */
export const REDACTED_TEXT = '[redacted]';
/** What replaces a redacted JSON column (a status change's raw postback), exactly as written. */
export const REDACTED_JSON = '{"redacted":true}';
/** The namespace of HMAC replay memory in the leases table (the model's: auth holds those leases). */
export { REPLAY_NAMESPACE } from '../model/leases';

/** The kinds of data a retention policy covers. */
export const RETENTION_KINDS = ['clicks', 'rawPostbacks', 'customerData', 'replayMemory', 'deliveries'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/**
 * How many days each kind is kept; a kind left out (or null) is kept for ever.
 * - clicks: click rows by clickedAt (deleted). Keep them at least as long as your longest attribution window.
 * - rawPostbacks: the raw postback in conversions recorded before the cutoff and in status changes made before
 *   it (redacted).
 * - customerData: all personal data of conversions recorded before the cutoff, raw postback included, and the
 *   reasons of delivery lines written before it (redacted), and lifetime customer links made before it (deleted:
 *   those customers' lifetime attribution ends).
 * - replayMemory: HMAC replay memory expired before the cutoff (deleted; never one that is still valid).
 * - deliveries: conversion-log delivery lines written before the cutoff (deleted), and settled outbox entries last
 *   changed before it (deleted).
 * customerData also removes the item of pending outbox entries written before its cutoff: they give up (code
 * 'retention'), since a delivery is never sent without its item.
 */
export type RetentionPolicy = Partial<Record<RetentionKind, number | null>>;

/** The longest retention accepted, in days (100 years). */
export const MAX_RETENTION_DAYS = 36_500;

export interface RetentionReport {
	/** The time the cutoffs were computed from, ISO 8601 UTC. */
	now: string;
	/** Per kind applied: the cutoff (everything strictly older was removed). */
	cutoffs: Partial<Record<RetentionKind, string>>;
	/** Rows changed, per table and what was done. Counts only, never any value. */
	counts: {
		clicksDeleted: number;
		conversionsRawRedacted: number;
		conversionsPersonalRedacted: number;
		statusDetailsRedacted: number;
		deliveryReasonsRedacted: number;
		customersDeleted: number;
		replayMemoryDeleted: number;
		deliveriesDeleted: number;
		/** Settled outbox entries deleted (deliveries). */
		outboxDeleted: number;
		/** Pending outbox entries whose item was removed, given up (customerData). */
		outboxItemsDropped: number;
	};
}

/**
 * Who to erase: at least one key. Each key's reach:
 * - email: compared normalized (case, whitespace, Gmail dots), anywhere in a stored conversion (user data, sub ids,
 *   raw query and body, also inside longer text); the lifetime customer link of that email.
 * - phone: compared as E.164 (`defaultCountry` reads national numbers), in any phone-like value of a conversion.
 * - externalId: exactly (trimmed), as the conversion's user external id or a raw field named like an external,
 *   customer or user id.
 * - clickId: the conversions attributed to that click.
 * Then, for every key: the clicks of the matched conversions are deleted, with every click of the same visitor
 * cookie (the same browser), and the conversions attributed to any of those clicks are redacted too.
 */
export interface PersonKey {
	email?: string;
	phone?: string;
	/** ISO 3166 alpha-2 country for reading a phone written without its country code (e.g. 'US'). */
	defaultCountry?: string;
	externalId?: string;
	clickId?: string;
}

export interface ErasureReport {
	/** Which keys were given (never their values). */
	keys: Array<'email' | 'phone' | 'externalId' | 'clickId'>;
	counts: {
		conversionsRedacted: number;
		statusDetailsRedacted: number;
		deliveriesRedacted: number;
		clicksDeleted: number;
		customersDeleted: number;
		/** Outbox entries of the person: a pending one's item removed (it gives up, code 'erased'), a settled one's reason redacted. */
		outboxErased: number;
	};
}

const DAY_MS = 86_400_000;

/** The policy checked, as cutoffs from `now`: a kind absent or null is left alone. */
export function retentionCutoffs(policy: RetentionPolicy, now: string | Date | undefined): { now: string; cutoffs: Partial<Record<RetentionKind, string>> } {
	if (!policy || typeof policy !== 'object' || Array.isArray(policy))
		throw new StoreInputError('applyRetention needs a policy such as { clicks: 90 } (days per kind)');
	for (const key of Object.keys(policy)) {
		if (!(RETENTION_KINDS as readonly string[]).includes(key))
			throw new StoreInputError(`unknown retention kind ${JSON.stringify(key)}; expected one of ${RETENTION_KINDS.join(', ')}`);
	}
	const nowMs = now === undefined ? Date.now() : now instanceof Date ? now.getTime() : Date.parse(now);
	if (!Number.isFinite(nowMs) || (typeof now === 'string' && !/(Z|[+-]\d{2}:\d{2})$/.test(now))) {
		throw new StoreInputError(`retention "now" must be ISO 8601 with an offset; got ${JSON.stringify(now)}`);
	}
	const cutoffs: Partial<Record<RetentionKind, string>> = {};
	for (const kind of RETENTION_KINDS) {
		const days = policy[kind];
		if (days === undefined || days === null) continue;
		if (typeof days !== 'number' || !Number.isInteger(days) || days < 0 || days > MAX_RETENTION_DAYS) {
			throw new StoreInputError(`retention for ${kind} must be a whole number of days from 0 to ${MAX_RETENTION_DAYS}; got ${JSON.stringify(days)}`);
		}
		cutoffs[kind] = new Date(nowMs - days * DAY_MS).toISOString();
	}
	return { now: new Date(nowMs).toISOString(), cutoffs };
}

/**
 * A person's identifiers, checked and normalized for matching. It grows while an erasure scans: the email, phone
 * and external id of every conversion found to be theirs join it, so erasing by one key finds the rest of the
 * person (their other conversions, and their email inside a click's URL or a delivery's reason).
 */
export interface PersonMatcher {
	keys: ErasureReport['keys'];
	clickIds: Set<string>;
	/** Lower-cased emails, each also in its Gmail-dotless form. */
	emails: Set<string>;
	/** E.164 ('+16505551212'). */
	phones: Set<string>;
	defaultCountry?: string;
	externalIds: Set<string>;
}

const optional = (value: unknown, field: string): string | undefined => {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'string') throw new StoreInputError(`erasePerson: ${field} must be text`);
	const trimmed = value.trim();
	return trimmed === '' ? undefined : trimmed;
};

export function personMatcher(person: PersonKey): PersonMatcher {
	if (!person || typeof person !== 'object') throw new StoreInputError('erasePerson needs { email?, phone?, externalId?, clickId? }');
	const email = optional(person.email, 'email');
	const phone = optional(person.phone, 'phone');
	const externalId = optional(person.externalId, 'externalId');
	const clickId = optional(person.clickId, 'clickId');
	const defaultCountry = optional(person.defaultCountry, 'defaultCountry');
	const matcher: PersonMatcher = { keys: [], clickIds: new Set(), emails: new Set(), phones: new Set(), externalIds: new Set() };
	if (defaultCountry) matcher.defaultCountry = defaultCountry;
	if (email !== undefined) {
		if (!addEmail(matcher, email)) throw new StoreInputError('erasePerson: the email is not an email address');
		matcher.keys.push('email');
	}
	if (phone !== undefined) {
		if (!addPhone(matcher, phone))
			throw new StoreInputError('erasePerson: the phone is not a phone number (give it with its country code, or set defaultCountry)');
		matcher.keys.push('phone');
	}
	if (externalId !== undefined) {
		matcher.externalIds.add(externalId);
		matcher.keys.push('externalId');
	}
	if (clickId !== undefined) {
		matcher.clickIds.add(clickId);
		matcher.keys.push('clickId');
	}
	if (matcher.keys.length === 0) throw new StoreInputError('erasePerson needs at least one of email, phone, externalId, clickId');
	return matcher;
}

/** Adds an email (normalized, and its Gmail-dotless form); false when it is not an email. Reports whether it is new through the set sizes. */
function addEmail(matcher: PersonMatcher, value: string): boolean {
	const normalized = normalizeEmail(value);
	if (!normalized) return false;
	matcher.emails.add(normalized);
	matcher.emails.add(emailWithoutGmailDots(normalized)!);
	return true;
}

function addPhone(matcher: PersonMatcher, value: string): boolean {
	const e164 = toE164(value, matcher.defaultCountry);
	if (!e164) return false;
	matcher.phones.add(e164);
	return true;
}

/** The customer keys an email may be linked under: the funnel's SHA-256 of the trimmed, lower-cased email, and the email. */
export function customerKeysOf(email: string): string[] {
	const lower = email.trim().toLowerCase();
	return [createHash('sha256').update(lower, 'utf8').digest('hex'), lower];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every string leaf of a JSON value, with the name of the field that holds it. */
function* leaves(value: unknown, key = ''): Generator<[string, string]> {
	if (typeof value === 'string') {
		yield [key, value];
		// Form bodies, query strings and URLs carry their values encoded: look at each parameter too.
		if (value.includes('=') && value.length <= 100_000) {
			const query = value.includes('?') ? value.slice(value.indexOf('?') + 1) : value;
			try {
				for (const [name, inner] of new URLSearchParams(query)) yield [name, inner];
			} catch {
				// Not a query string.
			}
		}
		return;
	}
	if (Array.isArray(value)) {
		for (const element of value) yield* leaves(element, key);
		return;
	}
	if (value !== null && typeof value === 'object') {
		for (const [name, inner] of Object.entries(value as Record<string, unknown>)) yield* leaves(inner, name);
	}
}

const PHONE_LIKE = /^[+\d\s().\-/]{6,40}$/;
const ID_FIELD = /external|customer|user_?id|userid/i;

/** Whether a stored conversion belongs to the person (see PersonKey for each key's reach). */
export function conversionMatches(matcher: PersonMatcher, clickIdColumn: string | null | undefined, payload: unknown): boolean {
	if (matcher.clickIds.size > 0) {
		if (clickIdColumn && matcher.clickIds.has(clickIdColumn)) return true;
		if (clickIdsOfPayload(payload).some((clickId) => matcher.clickIds.has(clickId))) return true;
	}
	return leavesMatch(matcher, payload);
}

/**
 * Whether lower-case text contains the address as a whole address, not inside a longer one: "ply@gmail.com" is
 * in "to: ply@gmail.com;" but not in "aply@gmail.com" or "ply@gmail.community" (erasure must never reach another
 * person's data).
 */
function mentionsEmail(lower: string, email: string): boolean {
	for (let at = lower.indexOf(email); at !== -1; at = lower.indexOf(email, at + 1)) {
		const before = at === 0 ? '' : lower[at - 1];
		const after = lower.slice(at + email.length, at + email.length + 2);
		if (/[a-z0-9._%+-]/.test(before)) continue;
		if (/^[a-z0-9-]/.test(after) || /^\.[a-z0-9]/.test(after)) continue;
		return true;
	}
	return false;
}

/** Whether any text of a value names the person by email, phone or external id (never by click id). */
function leavesMatch(matcher: PersonMatcher, value: unknown): boolean {
	const user = isObject(value) && isObject(value.user) ? value.user : {};
	if (typeof user.externalId === 'string' && matcher.externalIds.has(user.externalId.trim())) return true;
	const emails = [...matcher.emails];
	const phoneDigits = [...matcher.phones].map((phone) => phone.slice(1));
	for (const [name, text] of leaves(value)) {
		if (emails.length > 0 && text.includes('@')) {
			const lower = text.toLowerCase();
			if (emails.some((email) => mentionsEmail(lower, email))) return true;
			const normalized = normalizeEmail(text);
			if (normalized && matcher.emails.has(emailWithoutGmailDots(normalized)!)) return true;
		}
		if (phoneDigits.length > 0 && PHONE_LIKE.test(text)) {
			const e164 = toE164(text, matcher.defaultCountry);
			if (phoneDigits.includes(text.replace(/\D/g, '')) || (e164 !== undefined && matcher.phones.has(e164))) return true;
		}
		if (matcher.externalIds.size > 0 && ID_FIELD.test(name) && matcher.externalIds.has(text.trim())) return true;
	}
	return false;
}

/** The click ids a funnel payload names (the click it carries, and the attribution's clicks). */
export function clickIdsOfPayload(payload: unknown): string[] {
	if (!isObject(payload)) return [];
	const ids = new Set<string>();
	const add = (value: unknown) => {
		if (typeof value === 'string' && value !== '') ids.add(value);
	};
	add(payload.clickId);
	if (isObject(payload.click)) add(payload.click.clickId);
	if (isObject(payload.attribution)) {
		add(payload.attribution.clickId);
		add(payload.attribution.lastClickId);
	}
	return [...ids];
}

function isObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Ids, money, statuses and times of a conversion: kept by every redaction. */
const KEPT_SCALARS = [
	'network',
	'clickId',
	'transactionId',
	'orderId',
	'networkEventType',
	'eventName',
	'status',
	'amount',
	'commission',
	'currency',
	'occurredAt',
	'receivedAt',
	'affiliateId',
	'offerId',
	'merchantId',
	'brandName',
	'couponCode',
	'route',
	'conversionId',
	'sequence',
] as const;
/** Structures of the funnel's item that hold only ids, money and decisions: kept whole. */
const KEPT_STRUCTURES = ['ledger', 'statusChange', 'reversalOf', 'destinationEvents'] as const;
const KEPT_ATTRIBUTION = ['method', 'clickId', 'lastClickId', 'affiliateId', 'affiliateSource', 'couponCode', 'window', 'model'] as const;
const KEPT_DEDUP = ['status', 'key'] as const;

export type RedactionLevel = 'raw' | 'personal';

/**
 * A stored payload without its personal data. 'raw': only the raw postback goes. 'personal': everything but the
 * ids, money, statuses, times and decisions above (an allowlist, so a field added to the conversion later is
 * removed by default, and a payload that is not a funnel item keeps only what it has of these). The result names
 * its redaction in `privacy`, and redacting again changes nothing (a payload redacted 'personal' stays so).
 */
export function redactPayload(payload: unknown, level: RedactionLevel): Json {
	const source = isObject(payload) ? payload : {};
	const previous = isObject(source.privacy) ? source.privacy.redacted : undefined;
	const effective: RedactionLevel = previous === 'personal' ? 'personal' : level;
	if (effective === 'raw') {
		const copy = JSON.parse(JSON.stringify(source)) as Record<string, Json>;
		if ('raw' in copy) copy.raw = REDACTED_TEXT;
		copy.privacy = { redacted: 'raw' };
		return copy;
	}
	const kept: Record<string, Json> = {};
	for (const key of KEPT_SCALARS) {
		const value = source[key];
		if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') kept[key] = value;
	}
	for (const key of KEPT_STRUCTURES) if (key in source && source[key] !== undefined) kept[key] = JSON.parse(JSON.stringify(source[key])) as Json;
	if (isObject(source.click) && typeof source.click.clickId === 'string') {
		kept.click = { clickId: source.click.clickId, ...(typeof source.click.clickedAt === 'string' ? { clickedAt: source.click.clickedAt } : {}) };
	}
	if (isObject(source.attribution)) kept.attribution = pick(source.attribution, KEPT_ATTRIBUTION);
	if (isObject(source.dedup)) kept.dedup = pick(source.dedup, KEPT_DEDUP);
	if ('user' in source) kept.user = {};
	if ('subIds' in source) kept.subIds = {};
	if ('ip' in source) kept.ip = null;
	if ('raw' in source) kept.raw = REDACTED_TEXT;
	kept.privacy = { redacted: 'personal' };
	return kept;
}

function pick(source: Record<string, unknown>, keys: readonly string[]): Json {
	const out: Record<string, Json> = {};
	for (const key of keys) if (source[key] !== undefined) out[key] = JSON.parse(JSON.stringify(source[key])) as Json;
	return out;
}

/** The redaction level a payload already has ('personal' ⊇ 'raw'), if any. */
export function redactionOf(payload: unknown): RedactionLevel | undefined {
	if (!isObject(payload) || !isObject(payload.privacy)) return undefined;
	const level = payload.privacy.redacted;
	return level === 'raw' || level === 'personal' ? level : undefined;
}

/** Zero counts for a retention run. */
export function emptyRetentionCounts(): RetentionReport['counts'] {
	return {
		clicksDeleted: 0,
		conversionsRawRedacted: 0,
		conversionsPersonalRedacted: 0,
		statusDetailsRedacted: 0,
		deliveryReasonsRedacted: 0,
		customersDeleted: 0,
		replayMemoryDeleted: 0,
		deliveriesDeleted: 0,
		outboxDeleted: 0,
		outboxItemsDropped: 0,
	};
}

/**
 * The cutoffs a store applies to conversions: personal data before `personal`, the raw postback before `raw`.
 * Customer data includes the raw postback (it carries the same emails and phones), so the raw cutoff is the later
 * of the two.
 */
export function conversionCutoffs(cutoffs: Partial<Record<RetentionKind, string>>): { personal?: string; raw?: string } {
	const personal = cutoffs.customerData;
	const candidates = [cutoffs.rawPostbacks, personal].filter((value): value is string => value !== undefined);
	const raw = candidates.length === 0 ? undefined : candidates.reduce((later, value) => (Date.parse(value) > Date.parse(later) ? value : later));
	return { ...(personal !== undefined ? { personal } : {}), ...(raw !== undefined ? { raw } : {}) };
}

/**
 * What one erasure has found: the person's conversions (with their payloads), clicks, identifiers and customer
 * keys. A store alternates passes until nothing new turns up: a pass over every conversion (`visit`), then its
 * clicks (`addClickIds`: those whose URLs carry the person's email, and every click of the same visitor cookie).
 * Each conversion found adds its clicks and its user's email, phone and external id, which may find more.
 */
export class ErasureScan {
	readonly conversions = new Map<string, unknown>();
	/** At most this many passes (each adds something new, or the scan is complete). */
	static readonly MAX_PASSES = 8;
	private grew = false;

	constructor(readonly matcher: PersonMatcher) {}

	/** Starts a pass; returns false when the last one found nothing new (the scan is complete) or the passes ran out. */
	nextPass(pass: number): boolean {
		if (pass > 0 && !this.grew) return false;
		this.grew = false;
		return pass < ErasureScan.MAX_PASSES;
	}

	visit(id: string, clickId: string | null | undefined, payload: unknown): void {
		if (this.conversions.has(id) || !conversionMatches(this.matcher, clickId, payload)) return;
		this.conversions.set(id, payload);
		this.grew = true;
		if (clickId) this.matcher.clickIds.add(clickId);
		for (const named of clickIdsOfPayload(payload)) this.matcher.clickIds.add(named);
		const user = isObject(payload) && isObject(payload.user) ? payload.user : {};
		if (typeof user.email === 'string') addEmail(this.matcher, user.email);
		if (typeof user.phone === 'string') addPhone(this.matcher, user.phone);
		if (typeof user.externalId === 'string' && user.externalId.trim() !== '') this.matcher.externalIds.add(user.externalId.trim());
	}

	addClickIds(clickIds: Iterable<unknown>): void {
		for (const clickId of clickIds) {
			const id = String(clickId);
			if (this.matcher.clickIds.has(id)) continue;
			this.matcher.clickIds.add(id);
			this.grew = true;
		}
	}

	get clickIds(): string[] {
		return [...this.matcher.clickIds];
	}

	/** Customer keys that may hold the person's lifetime link: the funnel's SHA-256 of each email, and the email itself. */
	get customerKeys(): string[] {
		return [...this.matcher.emails].flatMap(customerKeysOf);
	}

	get emails(): string[] {
		return [...this.matcher.emails];
	}

	/**
	 * A matched conversion's payload, redacted: redactPayload, then any kept text that still names the person (an
	 * order id or coupon that is their email, say) replaced by REDACTED_TEXT. Click ids are ids: they stay.
	 */
	redacted(payload: unknown): Json {
		const scrub = (value: Json, key: string): Json => {
			if (typeof value === 'string') return leavesMatch(this.matcher, { [key]: value }) ? REDACTED_TEXT : value;
			if (Array.isArray(value)) return value.map((element) => scrub(element, key));
			if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, scrub(inner, name)]));
			return value;
		};
		return scrub(redactPayload(payload, 'personal'), '');
	}

	/**
	 * Whether a pending outbox entry is the person's: it is for one of their conversions, or its item (a funnel item,
	 * whose conversion may live in another store) names them, or names one of their clicks.
	 */
	ownsOutboxItem(conversionId: string, item: unknown): boolean {
		return this.conversions.has(conversionId) || conversionMatches(this.matcher, null, item);
	}

	/** Text that, found inside a click's URLs or a delivery's reason, names the person (emails, plain and URL-encoded). */
	get needles(): string[] {
		return [...new Set(this.emails.flatMap((email) => [email, encodeURIComponent(email).toLowerCase()]))];
	}
}

export function emptyErasureCounts(): ErasureReport['counts'] {
	return { conversionsRedacted: 0, statusDetailsRedacted: 0, deliveriesRedacted: 0, clicksDeleted: 0, customersDeleted: 0, outboxErased: 0 };
}

/** How many conversions an erasure or retention pass reads at a time. */
export const PRIVACY_BATCH = 500;
