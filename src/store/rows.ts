/**
 * The mapping between TrackingStore records and table rows, shared by both stores (same columns, same
 * order), so they validate and return values identically.
 */

import {
	compact,
	isoTime,
	jsonText,
	ledgerKind,
	money,
	moneyOut,
	optionalJsonText,
	optionalMoney,
	optionalText,
	requireText,
	status,
} from './common';
import type { ClickRecord, LedgerEntry, LedgerFilter, StatusChange, StoredConversion } from './types';

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
	['ip', 'ip'],
	['user_agent', 'userAgent'],
	['referrer', 'referrer'],
	['landing_url', 'landingUrl'],
] as const satisfies ReadonlyArray<readonly [string, keyof ClickRecord]>;

/** The values to insert for a click, in the order: click_id, clicked_at, CLICK_COLUMNS…, utm (JSON text). */
export function clickValues(click: ClickRecord): Array<string | null> {
	if (!click || typeof click !== 'object') throw new TypeError('Tracking store: recordClick needs a click record');
	const values: Array<string | null> = [requireText(click.clickId, 'clickId'), isoTime(click.clickedAt, 'clickedAt')];
	for (const [, field] of CLICK_COLUMNS) values.push(optionalText(click[field], field));
	values.push(click.utm === undefined || click.utm === null ? null : jsonText(click.utm));
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

/** Values for the ledger columns, in LEDGER_COLUMNS order. */
export function ledgerValues(entry: LedgerEntry): Array<string | null> {
	if (!entry || typeof entry !== 'object') throw new TypeError('Tracking store: addLedgerEntry needs a ledger entry');
	return [
		requireText(entry.id, 'id'),
		requireText(entry.affiliateId, 'affiliateId'),
		ledgerKind(entry.kind),
		money(entry.amount, 'amount'),
		requireText(entry.currency, 'currency'),
		status(entry.status),
		optionalText(entry.conversionId, 'conversionId'),
		optionalText(entry.network, 'network'),
		optionalText(entry.transactionId, 'transactionId'),
		isoTime(entry.occurredAt, 'occurredAt'),
		isoTime(entry.recordedAt, 'recordedAt'),
		optionalText(entry.payoutId, 'payoutId'),
		optionalText(entry.note, 'note'),
	];
}

export function ledgerFromRow(row: Record<string, unknown>): LedgerEntry {
	return compact<LedgerEntry>({
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
	});
}

/** The WHERE clause for a ledger filter; `param(n)` writes the n-th (1-based) placeholder. */
export function ledgerWhere(filter: LedgerFilter, param: (n: number) => string): { where: string; values: string[] } {
	const clauses: string[] = [];
	const values: string[] = [];
	const add = (sql: (p: string) => string, value: string) => {
		values.push(value);
		clauses.push(sql(param(values.length)));
	};
	if (filter.affiliateId !== undefined) add((p) => `affiliate_id = ${p}`, requireText(filter.affiliateId, 'affiliateId'));
	if (filter.currency !== undefined) add((p) => `currency = ${p}`, requireText(filter.currency, 'currency'));
	if (filter.occurredBefore !== undefined) add((p) => `occurred_at < ${p}`, isoTime(filter.occurredBefore, 'occurredBefore'));
	if (filter.unpaid) clauses.push('payout_id IS NULL');
	return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', values };
}

export function customerFromRow(row: Record<string, unknown>): { affiliateId: string; clickId?: string } {
	const customer: { affiliateId: string; clickId?: string } = { affiliateId: String(row.affiliate_id) };
	if (row.click_id !== null && row.click_id !== undefined) customer.clickId = String(row.click_id);
	return customer;
}

function nullable(value: unknown): string | undefined {
	return value === null || value === undefined ? undefined : String(value);
}
