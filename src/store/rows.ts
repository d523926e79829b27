/**
 * The mapping between TrackingStore records and table rows, shared by both stores (same columns, same
 * order), so they validate and return values identically.
 */

import {
	compact,
	isoTime,
	jsonText,
	ledgerKind,
	ledgerMinorUnits,
	ledgerSettlements,
	money,
	moneyOut,
	optionalJsonText,
	optionalMoney,
	optionalText,
	payoutItemStates,
	requireText,
	status,
	StoreInputError,
} from './common';
import { currencyExponent, toMinorUnits } from '../model/money';
import { consentSchema } from '../model/consent';
import type {
	ClickRecord,
	LeaseRecord,
	ConversionListFilter,
	Delivery,
	DeliveryOutcome,
	DeliveryRecord,
	LedgerEntry,
	LedgerFilter,
	LedgerLine,
	PayoutItemFilter,
	PayoutItemHistoryLine,
	PayoutItemRecord,
	PayoutItemReservation,
	StatusChange,
	StoredConversion,
} from './types';

/** The click columns besides click_id and clicked_at, with their ClickRecord names. */
export const CLICK_COLUMNS = [
	['visitor_id', 'visitorId'],
	['network', 'network'],
	['offer_id', 'offerId'],
	['offer_url', 'offerUrl'],
	['affiliate_id', 'affiliateId'],
	['fbclid', 'fbclid'],
	['fbc', 'fbc'],
	['fbp', 'fbp'],
	['gclid', 'gclid'],
	['gbraid', 'gbraid'],
	['wbraid', 'wbraid'],
	['ttclid', 'ttclid'],
	['ttp', 'ttp'],
	['sccid', 'sccid'],
	['epik', 'epik'],
	['rdt_cid', 'rdtCid'],
	['msclkid', 'msclkid'],
	['ga_client_id', 'gaClientId'],
	['sc_cookie1', 'scCookie1'],
	['rdt_uuid', 'rdtUuid'],
	['ip', 'ip'],
	['user_agent', 'userAgent'],
	['referrer', 'referrer'],
	['landing_url', 'landingUrl'],
] as const satisfies ReadonlyArray<readonly [string, keyof ClickRecord]>;

/** The ClickRecord fields with a place of their own: the key and time, the columns, utm. */
const CLICK_FIELDS_WITH_COLUMNS: ReadonlySet<string> = new Set(['clickId', 'clickedAt', 'utm', 'consent', ...CLICK_COLUMNS.map(([, field]) => field)]);

/** The click's consent as the consent column keeps it (JSON text), checked against the model's schema; null when absent. */
function consentValue(consent: unknown): string | null {
	if (consent === undefined || consent === null) return null;
	const parsed = consentSchema.safeParse(consent);
	if (!parsed.success)
		throw new StoreInputError(`a click's consent must be a consent object (adUserData, adPersonalization, gpc, source): ${parsed.error.issues[0].message}`);
	return jsonText(parsed.data);
}

/**
 * The click's other text fields (click ids of platforms added after the columns were fixed), as the JSON
 * object the click_ids column keeps; undefined when there are none. The store knows no platform: any other
 * field with text is kept.
 */
function otherClickFields(click: ClickRecord): Record<string, string> | undefined {
	const entries = Object.entries(click)
		.filter(([field, value]) => !CLICK_FIELDS_WITH_COLUMNS.has(field) && value !== undefined && value !== null && value !== '')
		.map(([field, value]) => [field, optionalText(value, field)] as const)
		.filter((entry): entry is readonly [string, string] => entry[1] !== null)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** The values to insert for a click, in the order: click_id, clicked_at, CLICK_COLUMNS…, utm, click_ids, consent (JSON text each). */
export function clickValues(click: ClickRecord): Array<string | null> {
	if (!click || typeof click !== 'object') throw new TypeError('Tracking store: recordClick needs a click record');
	const values: Array<string | null> = [requireText(click.clickId, 'clickId'), isoTime(click.clickedAt, 'clickedAt')];
	for (const [, field] of CLICK_COLUMNS) values.push(optionalText(click[field], field));
	values.push(click.utm === undefined || click.utm === null ? null : jsonText(click.utm));
	const others = otherClickFields(click);
	values.push(others ? jsonText(others) : null);
	values.push(consentValue(click.consent));
	return values;
}

/** A stored click row back to a ClickRecord with only the fields that were set. JSON columns arrive as JSON text. */
export function clickFromRow(row: Record<string, unknown>): ClickRecord {
	const click: ClickRecord = { clickId: String(row.click_id), clickedAt: String(row.clicked_at) };
	for (const [column, field] of CLICK_COLUMNS) {
		const value = row[column];
		if (value !== null && value !== undefined) click[field] = String(value);
	}
	if (row.utm !== null && row.utm !== undefined) click.utm = JSON.parse(String(row.utm)) as ClickRecord['utm'];
	if (row.click_ids !== null && row.click_ids !== undefined) {
		const others = JSON.parse(String(row.click_ids)) as Record<string, unknown>;
		for (const [field, value] of Object.entries(others)) {
			if (typeof value === 'string' && !CLICK_FIELDS_WITH_COLUMNS.has(field)) (click as unknown as Record<string, string>)[field] = value;
		}
	}
	if (row.consent !== null && row.consent !== undefined) {
		const parsed = consentSchema.safeParse(JSON.parse(String(row.consent)));
		// A row written by hand with something else in it is read as no consent captured, never as a grant.
		if (parsed.success) click.consent = parsed.data;
	}
	return click;
}

export const CONVERSION_COLUMNS = `id, network, transaction_id, event_name, click_id, affiliate_id, status, amount, commission, currency,
	occurred_at, recorded_at, attribution, payload`;
export const LEDGER_COLUMNS = `id, affiliate_id, kind, amount, currency, status, conversion_id, network, transaction_id,
	occurred_at, recorded_at, payout_id, note`;

/** Values for the conversions columns, in CONVERSION_COLUMNS order. */
export function conversionValues(conversion: StoredConversion): Array<string | null> {
	if (!conversion || typeof conversion !== 'object') throw new TypeError('Tracking store: saveConversion needs a conversion');
	return [
		requireText(conversion.id, 'id'),
		requireText(conversion.network, 'network'),
		optionalText(conversion.transactionId, 'transactionId'),
		requireText(conversion.eventName, 'eventName'),
		optionalText(conversion.clickId, 'clickId'),
		optionalText(conversion.affiliateId, 'affiliateId'),
		status(conversion.status),
		optionalMoney(conversion.amount, 'amount'),
		optionalMoney(conversion.commission, 'commission'),
		requireText(conversion.currency, 'currency'),
		isoTime(conversion.occurredAt, 'occurredAt'),
		isoTime(conversion.recordedAt, 'recordedAt'),
		optionalText(conversion.attribution, 'attribution'),
		jsonText(conversion.payload),
	];
}

export function conversionFromRow(row: Record<string, unknown>): StoredConversion {
	return compact<StoredConversion>({
		id: String(row.id),
		network: String(row.network),
		transactionId: nullable(row.transaction_id),
		eventName: String(row.event_name),
		clickId: nullable(row.click_id),
		affiliateId: nullable(row.affiliate_id),
		status: row.status as StoredConversion['status'],
		amount: row.amount === null || row.amount === undefined ? undefined : moneyOut(row.amount),
		commission: row.commission === null || row.commission === undefined ? undefined : moneyOut(row.commission),
		currency: String(row.currency),
		occurredAt: String(row.occurred_at),
		recordedAt: String(row.recorded_at),
		attribution: nullable(row.attribution),
		payload: JSON.parse(String(row.payload)) as unknown,
	});
}

/** [conversionId, status, at, detail JSON or null]. */
export function statusChangeValues(change: StatusChange): [string, string, string, string | null] {
	if (!change || typeof change !== 'object') throw new TypeError('Tracking store: appendStatus needs a status change');
	return [requireText(change.conversionId, 'conversionId'), status(change.status), isoTime(change.at, 'at'), optionalJsonText(change.detail)];
}

export function statusChangeFromRow(row: Record<string, unknown>): StatusChange {
	const change: StatusChange = { conversionId: String(row.conversion_id), status: row.status as StatusChange['status'], at: String(row.at) };
	if (row.detail !== null && row.detail !== undefined) change.detail = JSON.parse(String(row.detail)) as unknown;
	return change;
}

/** Values for the ledger columns, in LEDGER_COLUMNS order, and the amount in minor units (null when not exact) for `amount_minor`. */
export function ledgerValues(entry: LedgerEntry): { values: Array<string | null>; minor: bigint | null } {
	if (!entry || typeof entry !== 'object') throw new TypeError('Tracking store: addLedgerEntry needs a ledger entry');
	const amount = money(entry.amount, 'amount');
	const currency = requireText(entry.currency, 'currency');
	const values = [
		requireText(entry.id, 'id'),
		requireText(entry.affiliateId, 'affiliateId'),
		ledgerKind(entry.kind),
		amount,
		currency,
		status(entry.status),
		optionalText(entry.conversionId, 'conversionId'),
		optionalText(entry.network, 'network'),
		optionalText(entry.transactionId, 'transactionId'),
		isoTime(entry.occurredAt, 'occurredAt'),
		isoTime(entry.recordedAt, 'recordedAt'),
		optionalText(entry.payoutId, 'payoutId'),
		optionalText(entry.note, 'note'),
	];
	return { values, minor: ledgerMinorUnits(amount, currency) };
}

/**
 * A line's settlement, derived by joining the line (`l`) to the live hold on it (`a`, payout_allocations) and
 * the holding item (`i`): a hold exists only while its item is live, so the line itself is never updated.
 */
export const SETTLEMENT_SQL = `CASE WHEN i.state = 'paid' THEN 'paid' WHEN a.item_id IS NOT NULL THEN 'locked' WHEN l.payout_id IS NOT NULL THEN 'paid' ELSE 'open' END`;

/** FROM … for reading ledger lines with their settlement; `s` is the table prefix (a quoted schema and a dot, or ''). */
export function ledgerFrom(s: string): string {
	return `FROM ${s}ledger l LEFT JOIN ${s}payout_allocations a ON a.entry_id = l.id LEFT JOIN ${s}payout_items i ON i.id = a.item_id`;
}

export function ledgerFromRow(row: Record<string, unknown>): LedgerLine {
	return compact<LedgerLine>({
		id: String(row.id),
		affiliateId: String(row.affiliate_id),
		kind: row.kind as LedgerEntry['kind'],
		amount: moneyOut(row.amount),
		currency: String(row.currency),
		status: row.status as LedgerEntry['status'],
		conversionId: nullable(row.conversion_id),
		network: nullable(row.network),
		transactionId: nullable(row.transaction_id),
		occurredAt: String(row.occurred_at),
		recordedAt: String(row.recorded_at),
		payoutId: nullable(row.payout_id),
		note: nullable(row.note),
		amountMinor: nullable(row.amount_minor),
		settlement: row.settlement as LedgerLine['settlement'],
		payoutItemId: nullable(row.payout_item_id),
	});
}

/**
 * The WHERE clause for a ledger filter over ledgerFrom(s); `param(n)` writes the n-th (1-based) placeholder,
 * `s` is the table prefix.
 */
export function ledgerWhere(filter: LedgerFilter, param: (n: number) => string, s = ''): { where: string; values: string[] } {
	const clauses: string[] = [];
	const values: string[] = [];
	const add = (sql: (p: string) => string, value: string) => {
		values.push(value);
		clauses.push(sql(param(values.length)));
	};
	if (filter.affiliateId !== undefined) add((p) => `l.affiliate_id = ${p}`, requireText(filter.affiliateId, 'affiliateId'));
	if (filter.currency !== undefined) add((p) => `l.currency = ${p}`, requireText(filter.currency, 'currency'));
	if (filter.occurredBefore !== undefined) add((p) => `l.occurred_at < ${p}`, isoTime(filter.occurredBefore, 'occurredBefore'));
	if (filter.unpaid) clauses.push(`(${SETTLEMENT_SQL}) = 'open'`);
	const settlements = ledgerSettlements(filter.settlement);
	if (settlements !== undefined) {
		if (settlements.length === 0) clauses.push('1 = 0');
		else {
			const placeholders = settlements.map((settlement) => {
				values.push(settlement);
				return param(values.length);
			});
			clauses.push(`(${SETTLEMENT_SQL}) IN (${placeholders.join(', ')})`);
		}
	}
	if (filter.conversionId !== undefined) {
		const ids = Array.isArray(filter.conversionId) ? filter.conversionId : [filter.conversionId];
		if (ids.length === 0) clauses.push('1 = 0');
		else {
			const placeholders = ids.map((id) => {
				values.push(requireText(id, 'conversionId'));
				return param(values.length);
			});
			clauses.push(`l.conversion_id IN (${placeholders.join(', ')})`);
		}
	}
	if (filter.payoutItemId !== undefined) {
		add((p) => `l.id IN (SELECT entry_id FROM ${s}payout_item_entries WHERE item_id = ${p})`, requireText(filter.payoutItemId, 'payoutItemId'));
	}
	return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', values };
}

/** A reservation, checked: its column values in PAYOUT_ITEM_COLUMNS order and its line ids (sorted, without repeats). */
export function payoutReservationValues(item: PayoutItemReservation): { values: string[]; entryIds: string[] } {
	if (!item || typeof item !== 'object') throw new TypeError('Tracking store: reservePayoutItem needs a payout item');
	const currency = requireText(item.currency, 'currency');
	const amount = money(item.amount, 'amount');
	let minor: bigint | undefined;
	let why = '';
	try {
		currencyExponent(currency);
		minor = toMinorUnits(amount, currency);
	} catch (error) {
		why = (error as Error).message;
	}
	if (minor === undefined) throw new StoreInputError(`a payout item's amount must be exact in the currency's minor unit: ${why}`);
	if (minor <= 0n) throw new StoreInputError(`a payout item's amount must be positive; got ${amount}`);
	if (!Array.isArray(item.entryIds) || item.entryIds.length === 0)
		throw new StoreInputError('a payout item needs the ids of the ledger lines it pays (entryIds)');
	const entryIds = [...new Set(item.entryIds.map((id) => requireText(id, 'entryIds[]')))].sort(byCodeUnits);
	return {
		values: [
			requireText(item.id, 'id'),
			requireText(item.batchId, 'batchId'),
			requireText(item.provider, 'provider'),
			requireText(item.period, 'period'),
			requireText(item.affiliateId, 'affiliateId'),
			currency,
			amount,
			requireText(item.receiver, 'receiver'),
		],
		entryIds,
	};
}

/** The columns a reservation writes, in payoutReservationValues order. */
export const PAYOUT_ITEM_COLUMNS = 'id, batch_id, provider, period, affiliate_id, currency, amount, receiver';

/** Plain code-unit order, the same in every process and database (a database's collation may differ). */
export function byCodeUnits(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/** An item row (its entry ids as an array of strings) back to a record. */
export function payoutItemFromRow(row: Record<string, unknown>, entryIds: string[]): PayoutItemRecord {
	return compact<PayoutItemRecord>({
		id: String(row.id),
		batchId: String(row.batch_id),
		provider: String(row.provider),
		period: String(row.period),
		affiliateId: String(row.affiliate_id),
		currency: String(row.currency),
		amount: moneyOut(row.amount),
		receiver: String(row.receiver),
		state: row.state as PayoutItemRecord['state'],
		providerBatchId: nullable(row.provider_batch_id),
		providerItemId: nullable(row.provider_item_id),
		error: nullable(row.error),
		entryIds: [...entryIds].sort(byCodeUnits),
		createdAt: String(row.created_at),
		updatedAt: String(row.updated_at),
	});
}

export function payoutHistoryFromRow(row: Record<string, unknown>): PayoutItemHistoryLine {
	return compact<PayoutItemHistoryLine>({
		state: row.state as PayoutItemHistoryLine['state'],
		at: String(row.at),
		note: nullable(row.note),
		error: nullable(row.error),
	});
}

/** The WHERE clause for a payout item filter (columns of payout_items, unqualified). */
export function payoutItemWhere(filter: PayoutItemFilter, param: (n: number) => string): { where: string; values: string[] } {
	if (filter === null || typeof filter !== 'object') throw new StoreInputError('the payout item filter must be an object');
	const clauses: string[] = [];
	const values: string[] = [];
	const add = (column: string, value: string) => {
		values.push(value);
		clauses.push(`${column} = ${param(values.length)}`);
	};
	if (filter.batchId !== undefined) add('batch_id', requireText(filter.batchId, 'batchId'));
	if (filter.affiliateId !== undefined) add('affiliate_id', requireText(filter.affiliateId, 'affiliateId'));
	if (filter.period !== undefined) add('period', requireText(filter.period, 'period'));
	if (filter.provider !== undefined) add('provider', requireText(filter.provider, 'provider'));
	const states = payoutItemStates(filter.state, 'state');
	if (states !== undefined) {
		if (states.length === 0) clauses.push('1 = 0');
		else {
			const placeholders = states.map((state) => {
				values.push(state);
				return param(values.length);
			});
			clauses.push(`state IN (${placeholders.join(', ')})`);
		}
	}
	return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', values };
}

/** Every line a reservation names must exist and belong to the item's affiliate and currency (so one affiliate is never paid another's lines). */
export function checkReservedLines(entryIds: string[], lines: Array<Record<string, unknown>>, affiliateId: string, currency: string): void {
	const found = new Map(lines.map((line) => [String(line.id), line]));
	const missing = entryIds.filter((entryId) => !found.has(entryId));
	if (missing.length > 0) throw new StoreInputError(`no ledger line with id ${missing.map((entryId) => JSON.stringify(entryId)).join(', ')}`);
	const foreign = lines
		.filter((line) => String(line.affiliate_id) !== affiliateId || String(line.currency) !== currency)
		.map((line) => JSON.stringify(String(line.id)));
	if (foreign.length > 0)
		throw new StoreInputError(`ledger lines ${foreign.join(', ')} are not the item's affiliate ${JSON.stringify(affiliateId)} in ${currency}`);
}

export function customerFromRow(row: Record<string, unknown>): { affiliateId: string; clickId?: string } {
	const customer: { affiliateId: string; clickId?: string } = { affiliateId: String(row.affiliate_id) };
	if (row.click_id !== null && row.click_id !== undefined) customer.clickId = String(row.click_id);
	return customer;
}

function nullable(value: unknown): string | undefined {
	return value === null || value === undefined ? undefined : String(value);
}

export const DELIVERY_OUTCOMES: readonly DeliveryOutcome[] = ['sent', 'failed', 'retry_later', 'duplicate', 'skipped'];
/** The longest reason a delivery line keeps. */
export const DELIVERY_REASON_LENGTH = 1000;

/**
 * A delivery line, checked: [conversion_id, destination, outcome, event_id, code, reason, http_status, at]
 * (`at` null when the database's clock should be used).
 */
export function deliveryValues(delivery: DeliveryRecord): Array<string | number | null> {
	if (!delivery || typeof delivery !== 'object') throw new StoreInputError('recordDelivery needs { conversionId, destination, outcome }');
	if (!DELIVERY_OUTCOMES.includes(delivery.outcome)) {
		throw new StoreInputError(`outcome must be one of ${DELIVERY_OUTCOMES.join(', ')}; got ${JSON.stringify(delivery.outcome)}`);
	}
	let httpStatus: number | null = null;
	if (delivery.httpStatus !== undefined && delivery.httpStatus !== null) {
		if (!Number.isInteger(delivery.httpStatus) || delivery.httpStatus < 100 || delivery.httpStatus > 599) {
			throw new StoreInputError(`httpStatus must be a whole number from 100 to 599; got ${String(delivery.httpStatus)}`);
		}
		httpStatus = delivery.httpStatus;
	}
	const reason = optionalText(delivery.reason, 'reason');
	return [
		requireText(delivery.conversionId, 'conversionId'),
		requireText(delivery.destination, 'destination'),
		delivery.outcome,
		optionalText(delivery.eventId, 'eventId'),
		optionalText(delivery.code, 'code'),
		reason === null ? null : Array.from(reason).slice(0, DELIVERY_REASON_LENGTH).join(''),
		httpStatus,
		delivery.at === undefined || delivery.at === null ? null : isoTime(delivery.at, 'at'),
	];
}

export function deliveryFromRow(row: Record<string, unknown>): Delivery {
	return compact<Delivery>({
		conversionId: String(row.conversion_id),
		destination: String(row.destination),
		outcome: row.outcome as DeliveryOutcome,
		eventId: nullable(row.event_id),
		code: nullable(row.code),
		reason: nullable(row.reason),
		httpStatus: row.http_status === null || row.http_status === undefined ? undefined : Number(row.http_status),
		at: String(row.at),
	});
}

/** The conversion ids a listDeliveries call asks for, checked (without repeats). */
export function deliveryConversionIds(conversions: string | { conversionIds: string[] }): string[] {
	if (typeof conversions === 'string') return [requireText(conversions, 'conversionId')];
	if (!conversions || typeof conversions !== 'object' || !Array.isArray(conversions.conversionIds)) {
		throw new StoreInputError('listDeliveries needs a conversion id or { conversionIds: [...] }');
	}
	return [...new Set(conversions.conversionIds.map((id) => requireText(id, 'conversionIds[]')))];
}

export const DEFAULT_CONVERSION_LIST_LIMIT = 50;
export const MAX_CONVERSION_LIST_LIMIT = 1000;

/** The WHERE clause and limit of a listConversions filter (columns of conversions, unqualified). */
export function conversionListWhere(filter: ConversionListFilter, param: (n: number) => string): { where: string; values: string[]; limit: number } {
	if (filter === null || typeof filter !== 'object') throw new StoreInputError('the conversion list filter must be an object');
	const limit = filter.limit ?? DEFAULT_CONVERSION_LIST_LIMIT;
	if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CONVERSION_LIST_LIMIT) {
		throw new StoreInputError(`limit must be a whole number from 1 to ${MAX_CONVERSION_LIST_LIMIT}; got ${String(filter.limit)}`);
	}
	const clauses: string[] = [];
	const values: string[] = [];
	const add = (sql: (p: string) => string, value: string) => {
		values.push(value);
		clauses.push(sql(param(values.length)));
	};
	if (filter.network !== undefined) add((p) => `network = ${p}`, requireText(filter.network, 'network'));
	if (filter.affiliateId !== undefined) add((p) => `affiliate_id = ${p}`, requireText(filter.affiliateId, 'affiliateId'));
	if (filter.before !== undefined) add((p) => `recorded_at < ${p}`, isoTime(filter.before, 'before'));
	if (filter.since !== undefined) add((p) => `recorded_at >= ${p}`, isoTime(filter.since, 'since'));
	return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', values, limit };
}

/** A lease row as the store returns it (both stores select times as toISOString() text). */
export function leaseFromRow(row: Record<string, unknown>): LeaseRecord {
	return {
		namespace: String(row.namespace),
		key: String(row.lease_key),
		...(row.holder === null || row.holder === undefined ? {} : { holder: String(row.holder) }),
		acquiredAt: String(row.acquired_at),
		expiresAt: String(row.expires_at),
		renewals: Number(row.renewals),
	};
}
