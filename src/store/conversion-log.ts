/**
 * The conversion log (issue 6): the latest stored conversions, each with its status history, its ledger
 * lines and what every destination was told about it, as plain records and as a small HTML page an operator
 * opens in a browser (a Webhook → Postback Tools → Respond to Webhook workflow).
 */

import type { ConversionListFilter, Delivery, LedgerLine, StatusChange, StoredConversion, TrackingStore } from './types';

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
}

/** Reads the latest conversions (newest recorded first) with their history, ledger lines and deliveries. */
export async function readConversionLog(store: TrackingStore, filter: ConversionListFilter = {}): Promise<ConversionLogEntry[]> {
	const conversions = await store.listConversions(filter);
	if (conversions.length === 0) return [];
	const ids = conversions.map((conversion) => conversion.id);
	const [ledger, deliveries, histories] = await Promise.all([
		store.listLedger({ conversionId: ids }),
		store.listDeliveries({ conversionIds: ids }),
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

function cell(value: unknown): string {
	return `<td>${escapeHtml(value)}</td>`;
}

function listCell(lines: string[]): string {
	return `<td>${lines.length ? lines.join('<br>') : '<span class="none">—</span>'}</td>`;
}

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
			return `<span class="outcome" style="color:${colour}">${escapeHtml(line.destination)}: ${escapeHtml(line.outcome)}</span>${detail ? ` <small>${detail}</small>` : ''} <small class="at">${escapeHtml(line.at)}</small>`;
		});
		const ledger = entry.ledger.map(
			(line) =>
				`${escapeHtml(line.kind)} ${escapeHtml(line.amount)} ${escapeHtml(line.currency)} <small>${escapeHtml(line.affiliateId)} · ${escapeHtml(line.settlement)}</small>`,
		);
		const history = entry.statusHistory.map((change) => `${escapeHtml(change.status)} <small class="at">${escapeHtml(change.at)}</small>`);
		return (
			`<tr data-conversion-id="${escapeHtml(entry.conversionId)}">` +
			cell(entry.recordedAt) +
			cell(entry.network) +
			cell(entry.transactionId ?? '') +
			cell(entry.eventName) +
			cell(entry.status) +
			cell(entry.amount === undefined ? '' : `${entry.amount} ${entry.currency}`) +
			cell(entry.commission === undefined ? '' : `${entry.commission} ${entry.currency}`) +
			cell(entry.affiliateId ?? '') +
			cell(entry.attribution ?? '') +
			listCell(deliveries) +
			listCell(ledger) +
			listCell(history) +
			cell(entry.conversionId) +
			'</tr>'
		);
	});
	const headings = [
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
	return [
		'<!DOCTYPE html>',
		'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
		`<title>${escapeHtml(title)}</title>`,
		'<style>body{font:14px system-ui,sans-serif;margin:1.5rem;color:#24292f}table{border-collapse:collapse;width:100%}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}small{color:#57606a}.outcome{font-weight:600}.none{color:#8c959f}</style>',
		'</head><body>',
		`<h1>${escapeHtml(title)}</h1>`,
		`<p>${entries.length} conversion${entries.length === 1 ? '' : 's'}, newest first${options.generatedAt ? ` · generated ${escapeHtml(options.generatedAt)}` : ''}</p>`,
		`<table><thead><tr>${headings.map((heading) => `<th>${heading}</th>`).join('')}</tr></thead>`,
		`<tbody>${rows.join('\n')}</tbody></table>`,
		'</body></html>',
	].join('\n');
}
