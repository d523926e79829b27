/**
 * The conversion log (issue 6): the latest stored conversions, each with its status history, its ledger
 * lines and what every destination was told about it, as plain records and as a small HTML page an operator
 * opens in a browser (a Webhook → Postback Tools → Respond to Webhook workflow). Each destination's redelivery
 * outbox state (issue 16) is shown too: sent, pending until a time (with attempts and the last reason), failed or
 * given up; never the outbox item, which holds the customer's data.
 */

import type { ConversionListFilter, Delivery, LedgerLine, OutboxEntry, StatusChange, StoredConversion, TrackingStore } from './types';

export interface ConversionLogEntry {
	conversionId: string;
	network: string;
	transactionId?: string;
	eventName: string;
	status: StoredConversion['status'];
	amount?: string;
	commission?: string;
	currency: string;
	affiliateId?: string;
	clickId?: string;
	attribution?: string;
	occurredAt: string;
	recordedAt: string;
	statusHistory: Array<{ status: StatusChange['status']; at: string }>;
	ledger: Array<Pick<LedgerLine, 'id' | 'affiliateId' | 'kind' | 'amount' | 'currency' | 'status' | 'settlement' | 'occurredAt'>>;
	deliveries: Array<Omit<Delivery, 'conversionId'>>;
	/** Each destination's outbox entry (durable redelivery), without its item. */
	outbox: ConversionLogOutbox[];
}

export interface ConversionLogOutbox {
	destination: string;
	state: OutboxEntry['state'];
	/** Attempts settled so far. */
	attempts: number;
	/** Only while pending: when it is (re)sent. */
	dueAt?: string;
	lastCode?: string;
	lastReason?: string;
	updatedAt: string;
}

/** Conversions per outbox read: listOutbox returns at most 1000 entries, so this leaves room for 20 destinations each. */
const OUTBOX_CHUNK = 50;

async function outboxOf(store: TrackingStore, ids: string[]): Promise<OutboxEntry[]> {
	const chunks: string[][] = [];
	for (let start = 0; start < ids.length; start += OUTBOX_CHUNK) chunks.push(ids.slice(start, start + OUTBOX_CHUNK));
	return (await Promise.all(chunks.map((chunk) => store.listOutbox({ conversionIds: chunk, limit: 1000 })))).flat();
}

function outboxLine(entry: OutboxEntry): ConversionLogOutbox {
	// Stored destinations carry their workflow's scope (`<workflow id>/meta`, src/destinations/outbox-scope.ts): the
	// page names the destination.
	const destination = entry.destination.slice(entry.destination.indexOf('/') + 1);
	const line: ConversionLogOutbox = { destination, state: entry.state, attempts: entry.attempts, updatedAt: entry.updatedAt };
	if (entry.state === 'pending') line.dueAt = entry.dueAt;
	if (entry.lastCode !== undefined) line.lastCode = entry.lastCode;
	if (entry.lastReason !== undefined) line.lastReason = entry.lastReason;
	return line;
}

/** Reads the latest conversions (newest recorded first) with their history, ledger lines and deliveries. */
export async function readConversionLog(store: TrackingStore, filter: ConversionListFilter = {}): Promise<ConversionLogEntry[]> {
	const conversions = await store.listConversions(filter);
	if (conversions.length === 0) return [];
	const ids = conversions.map((conversion) => conversion.id);
	const [ledger, deliveries, outbox, histories] = await Promise.all([
		store.listLedger({ conversionId: ids }),
		store.listDeliveries({ conversionIds: ids }),
		outboxOf(store, ids),
		Promise.all(ids.map((id) => store.statusHistory(id))),
	]);
	return conversions.map((conversion, index) => {
		const entry: ConversionLogEntry = {
			conversionId: conversion.id,
			network: conversion.network,
			eventName: conversion.eventName,
			status: conversion.status,
			currency: conversion.currency,
			occurredAt: conversion.occurredAt,
			recordedAt: conversion.recordedAt,
			statusHistory: histories[index].map((change) => ({ status: change.status, at: change.at })),
			ledger: ledger
				.filter((line) => line.conversionId === conversion.id)
				.map((line) => ({
					id: line.id,
					affiliateId: line.affiliateId,
					kind: line.kind,
					amount: line.amount,
					currency: line.currency,
					status: line.status,
					settlement: line.settlement,
					occurredAt: line.occurredAt,
				})),
			deliveries: deliveries
				.filter((line) => line.conversionId === conversion.id)
				.map((line) => {
					const copy: Partial<Delivery> = { ...line };
					delete copy.conversionId;
					return copy as Omit<Delivery, 'conversionId'>;
				}),
			outbox: outbox.filter((line) => line.conversionId === conversion.id).map(outboxLine),
		};
		for (const key of ['transactionId', 'amount', 'commission', 'affiliateId', 'clickId', 'attribution'] as const) {
			if (conversion[key] !== undefined) entry[key] = conversion[key];
		}
		return entry;
	});
}

/** Text made safe for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
	return String(value ?? '')
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

const OUTCOME_COLOURS: Record<string, string> = { sent: '#1a7f37', failed: '#cf222e', retry_later: '#9a6700', duplicate: '#57606a', skipped: '#57606a' };
const OUTBOX_COLOURS: Record<string, string> = { sent: '#1a7f37', pending: '#9a6700', failed: '#cf222e', gave_up: '#cf222e' };

/** One destination's outbox state: "meta: pending until <time>", then attempts, code and last reason, all escaped. */
function outboxHtml(line: ConversionLogOutbox): string {
	const colour = OUTBOX_COLOURS[line.state] ?? '#24292f';
	const state = line.state === 'pending' ? `pending until ${timeHtml(line.dueAt)}` : line.state === 'gave_up' ? 'gave up' : escapeHtml(line.state);
	const detail = [`${line.attempts} attempt${line.attempts === 1 ? '' : 's'}`, line.lastCode, line.lastReason]
		.filter((part) => part !== undefined && part !== '')
		.map(escapeHtml)
		.join(' · ');
	return `<span class="outbox" data-state="${escapeHtml(line.state)}" style="color:${colour}">${escapeHtml(line.destination)}: ${state}</span> <small>${detail}</small>`;
}

function cell(value: unknown): string {
	return `<td>${escapeHtml(value)}</td>`;
}

function wrapCell(value: unknown): string {
	return `<td class="wrap">${escapeHtml(value)}</td>`;
}

function listCell(lines: string[], wrap = false): string {
	return `<td${wrap ? ' class="wrap"' : ''}>${lines.length ? lines.join('<br>') : '<span class="none">—</span>'}</td>`;
}

/**
 * A stored time as a <time> element: the UTC value as text (what a browser without JavaScript shows) and as
 * its tooltip, and machine-readable for the page's script, which rewrites the text in the viewer's time zone.
 * A value that is not a time is shown as it is.
 */
export function timeHtml(value: string | undefined): string {
	const at = new Date(value ?? '');
	if (!value || Number.isNaN(at.getTime())) return escapeHtml(value ?? '');
	const iso = at.toISOString();
	const utc = `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
	return `<time datetime="${iso}" title="${utc}">${utc}</time>`;
}

/** An identifier shown shortened (CSS ellipsis) that keeps its whole value for copying, searching and the tooltip. */
function idCell(value: string): string {
	return `<td><span class="id" title="${escapeHtml(value)}">${escapeHtml(value)}</span></td>`;
}

const HEADINGS = [
	'Recorded',
	'Network',
	'Transaction',
	'Event',
	'Status',
	'Amount',
	'Commission',
	'Affiliate',
	'Attribution',
	'Deliveries',
	'Ledger',
	'Status history',
	'Conversion ID',
];

/** The deliveries get room first, so the narrow columns around them wrap instead. */
const WIDTHS: Record<string, string> = { Deliveries: 'wide' };

/**
 * Fits a laptop window (1280 px and up) without a horizontal page scroll: long values wrap anywhere, the
 * conversion id is shortened, and below 900 px each conversion becomes a card of labelled lines.
 */
const STYLE = [
	'*{box-sizing:border-box}',
	'body{font:14px/1.4 system-ui,sans-serif;margin:1rem;color:#24292f}',
	'h1{font-size:1.5rem;margin:.25rem 0}',
	'table{border-collapse:collapse;width:100%}',
	'th,td{border:1px solid #d0d7de;padding:.3rem .4rem;text-align:left;vertical-align:top;overflow-wrap:break-word}',
	// Identifiers and free text may break anywhere, so a long one narrows its column instead of widening the page.
	'.wrap{overflow-wrap:anywhere}',
	'th.wide{width:24%}',
	'th{background:#f6f8fa;position:sticky;top:0}',
	'small{color:#57606a}',
	'.outcome{font-weight:600}',
	'.outbox{font-weight:600;font-style:italic}',
	'.none{color:#8c959f}',
	'.id{display:inline-block;max-width:9ch;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;vertical-align:bottom;font-family:ui-monospace,monospace;font-size:12px}',
	'time{white-space:normal}',
	'@media (max-width:900px){thead{display:none}table,tbody,tr,td{display:block;width:100%}tr{border:1px solid #d0d7de;margin-bottom:.75rem}td{border:0;border-top:1px solid #eaeef2}td:first-child{border-top:0}td::before{display:block;font-size:12px;font-weight:600;color:#57606a}.id{max-width:100%}' +
		HEADINGS.map((heading, index) => `td:nth-child(${index + 1})::before{content:"${heading}"}`).join('') +
		'}',
].join('');

/**
 * Rewrites every <time> in the viewer's own time zone (Intl), and says which zone that is. It carries no data
 * from the store: the times it reads are the escaped datetime attributes.
 */
const LOCAL_TIMES_SCRIPT = [
	'(function(){',
	"var format=new Intl.DateTimeFormat(undefined,{year:'numeric',month:'short',day:'numeric',hour:'2-digit',minute:'2-digit',second:'2-digit'});",
	"var times=document.querySelectorAll('time[datetime]');",
	"for(var i=0;i<times.length;i++){var at=new Date(times[i].getAttribute('datetime'));if(!isNaN(at.getTime()))times[i].textContent=format.format(at);}",
	"var zone=document.getElementById('zone');",
	"if(zone)zone.textContent='Times are in your time zone, '+(Intl.DateTimeFormat().resolvedOptions().timeZone||'local')+' (hover a time for UTC).';",
	'})();',
].join('');

/** A self-contained HTML page: one table row per conversion, every value escaped. */
export function conversionLogHtml(entries: ConversionLogEntry[], options: { title?: string; generatedAt?: string } = {}): string {
	const title = options.title ?? 'Conversion log';
	const rows = entries.map((entry) => {
		const deliveries = entry.deliveries.map((line) => {
			const colour = OUTCOME_COLOURS[line.outcome] ?? '#24292f';
			const detail = [line.code, line.httpStatus, line.reason]
				.filter((part) => part !== undefined && part !== '')
				.map(escapeHtml)
				.join(' · ');
			return `<span class="outcome" style="color:${colour}">${escapeHtml(line.destination)}: ${escapeHtml(line.outcome)}</span>${detail ? ` <small>${detail}</small>` : ''} <small class="at">${timeHtml(line.at)}</small>`;
		});
		// The outbox says where each destination stands now; the delivery lines below it say what happened when.
		const outbox = (entry.outbox ?? []).map(outboxHtml);
		const ledger = entry.ledger.map(
			(line) =>
				`${escapeHtml(line.kind)} ${escapeHtml(line.amount)} ${escapeHtml(line.currency)} <small class="wrap">${escapeHtml(line.affiliateId)} · ${escapeHtml(line.settlement)}</small>`,
		);
		const history = entry.statusHistory.map((change) => `${escapeHtml(change.status)} <small class="at">${timeHtml(change.at)}</small>`);
		return (
			`<tr data-conversion-id="${escapeHtml(entry.conversionId)}">` +
			`<td>${timeHtml(entry.recordedAt)}</td>` +
			cell(entry.network) +
			wrapCell(entry.transactionId ?? '') +
			cell(entry.eventName) +
			cell(entry.status) +
			cell(entry.amount === undefined ? '' : `${entry.amount} ${entry.currency}`) +
			cell(entry.commission === undefined ? '' : `${entry.commission} ${entry.currency}`) +
			wrapCell(entry.affiliateId ?? '') +
			cell(entry.attribution ?? '') +
			listCell([...outbox, ...deliveries], true) +
			listCell(ledger) +
			listCell(history) +
			idCell(entry.conversionId) +
			'</tr>'
		);
	});
	return [
		'<!DOCTYPE html>',
		'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
		`<title>${escapeHtml(title)}</title>`,
		`<style>${STYLE}</style>`,
		'</head><body>',
		`<h1>${escapeHtml(title)}</h1>`,
		`<p>${entries.length} conversion${entries.length === 1 ? '' : 's'}, newest first${options.generatedAt ? ` · generated ${timeHtml(options.generatedAt)}` : ''} · <span id="zone">Times are in UTC.</span></p>`,
		`<table><thead><tr>${HEADINGS.map((heading) => `<th${WIDTHS[heading] ? ` class="${WIDTHS[heading]}"` : ''}>${heading}</th>`).join('')}</tr></thead>`,
		`<tbody>${rows.join('\n')}</tbody></table>`,
		`<script>${LOCAL_TIMES_SCRIPT}</script>`,
		'</body></html>',
	].join('\n');
}
