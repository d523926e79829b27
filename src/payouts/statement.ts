/**
 * An affiliate's statement for one period and currency: the ledger lines behind an amount, and renderers for
 * a spreadsheet (CSV) and a browser or e-mail (HTML).
 *
 * Which lines: with a `payout` (from calculateDuePayouts), exactly the lines it paid (found by id in
 * `entries`; the total must come out equal to the payout's amount, or buildStatement throws). Without one,
 * the affiliate's lines in the currency that a balance counts (not pending, not marked paid or in flight,
 * not a positive line that was never approved, not a payout record), occurring before the end of the period.
 *
 * Lines dated before the period's first day are not listed one by one: they are summed into the opening
 * balance (brought forward from earlier periods: a balance below the minimum, or a reversal of something
 * already paid). Every later line is listed, oldest first, including deductions dated after the period that
 * the payout set against it. total = openingBalance + the listed lines; carriedBalance = total − paid.
 *
 * All amounts are exact (BigInt minor units); all dates are UTC.
 *
 * A line of this affiliate and currency that cannot be read (finer than the currency's minor unit, written by
 * an older version; see calculatePayoutPlan) never fails the statement: it is counted nowhere and listed in
 * `invalidLines` with its id and the reason (and shown as such in the CSV and HTML), so the statement still
 * explains everything else, and says what is wrong.
 */
import { formatMinorUnits, fromMinorUnits, toMinorUnits } from '../model/money';
import type { DuePayout, PayoutEntryInput, PayoutLedgerLine, ReadLine } from './due';
import { readPayoutLine } from './due';

export interface StatementLine {
	/** 'YYYY-MM-DD', UTC. */
	date: string;
	/** The full instant, ISO 8601 UTC. */
	occurredAt: string;
	entryId: string;
	conversionId: string;
	transactionId: string;
	network: string;
	/** commission, reversal, adjustment (the store's kind; for lines without one, by sign). */
	kind: string;
	status: string;
	/** Canonical exact decimal, signed. */
	amount: string;
}

export interface Statement {
	affiliateId: string;
	currency: string;
	/** 'YYYY-MM'. */
	period: string;
	/** Sum of the counted lines dated before the period (canonical decimal). */
	openingBalance: string;
	lines: StatementLine[];
	/** openingBalance + the lines. */
	total: string;
	/** What the payout paid ('0' without one). */
	paid: string;
	/** total − paid: what is carried into the next period. */
	carriedBalance: string;
	payDate?: string;
	/** This affiliate's lines in this currency that cannot be read: not counted in any amount above. */
	invalidLines?: InvalidStatementLine[];
}

export interface InvalidStatementLine {
	entryId: string;
	/** The amount as it stands in the ledger. */
	amount: string;
	status: string;
	/** The instant as stored (it may be what cannot be read). */
	occurredAt: string;
	reason: string;
}

export interface StatementInput {
	affiliateId: string;
	currency: string;
	/** 'YYYY-MM'; may be left out when `payout` gives it. */
	period?: string;
	entries: readonly PayoutEntryInput[];
	payout?: DuePayout;
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function buildStatement(input: StatementInput): Statement {
	const { affiliateId, payout } = input;
	const currency = String(input.currency ?? '').toUpperCase();
	const period = input.period ?? payout?.period;
	const match = PERIOD.exec(period ?? '');
	if (!match) throw new RangeError(`period must be 'YYYY-MM', got ${JSON.stringify(period)}`);
	if (payout) {
		if (payout.affiliateId !== affiliateId || payout.currency.toUpperCase() !== currency) {
			throw new RangeError(`the payout is for ${payout.affiliateId} in ${payout.currency}, not ${affiliateId} in ${currency}`);
		}
		if (payout.period !== period) throw new RangeError(`the payout covers ${payout.period}, not ${period}`);
	}
	const periodStartMs = Date.UTC(Number(match[1]), Number(match[2]) - 1, 1);
	const periodEndMs = Date.UTC(Number(match[1]), Number(match[2]), 1);

	const read: ReadLine[] = [];
	const invalidLines: InvalidStatementLine[] = [];
	input.entries.forEach((entry, index) => {
		try {
			read.push(readPayoutLine(entry, index));
		} catch (error) {
			const line = (entry ?? {}) as Partial<PayoutLedgerLine>;
			// Only this affiliate's lines in this currency belong on the statement; others are theirs to report.
			if (line.affiliateId !== affiliateId || String(line.currency ?? '').toUpperCase() !== currency) return;
			invalidLines.push({
				entryId: typeof line.id === 'string' ? line.id : `#${index}`,
				amount: String(line.amount ?? line.commission ?? ''),
				status: String(line.status ?? ''),
				occurredAt: String(line.occurredAt ?? ''),
				reason: (error as Error).message,
			});
		}
	});
	let counted: ReadLine[];
	if (payout) {
		const paidIds = new Set(payout.entries.map((entry) => entry.id));
		counted = read.filter((line) => paidIds.has(line.entry.id));
		const found = new Set(counted.map((line) => line.entry.id));
		const missing = [...paidIds].filter((id) => !found.has(id));
		if (missing.length > 0) throw new RangeError(`the payout's lines ${missing.map((id) => JSON.stringify(id)).join(', ')} are not among the entries`);
		const foreign = counted.find((line) => line.affiliateId !== affiliateId || line.currency !== currency);
		if (foreign) throw new RangeError(`the payout's line ${JSON.stringify(foreign.entry.id)} is not ${affiliateId}'s in ${currency}`);
	} else {
		counted = read.filter(
			(line) =>
				line.affiliateId === affiliateId &&
				line.currency === currency &&
				!line.paid &&
				!line.inFlight &&
				line.kind !== 'payout' &&
				line.status !== 'pending' &&
				(line.minor < 0n || line.status === 'approved') &&
				line.occurredAtMs < periodEndMs,
		);
	}

	let opening = 0n;
	let listed = 0n;
	const shown: ReadLine[] = [];
	for (const line of counted) {
		if (line.occurredAtMs < periodStartMs) opening += line.minor;
		else {
			listed += line.minor;
			shown.push(line);
		}
	}
	shown.sort((a, b) => a.occurredAtMs - b.occurredAtMs || (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0));
	const total = opening + listed;
	const paid = payout ? total : 0n;
	if (payout && total !== toMinorUnits(payout.amount, currency)) {
		throw new RangeError(`the statement's lines sum to ${fromMinorUnits(total, currency)} ${currency}, but the payout is ${payout.amount}`);
	}

	return {
		affiliateId,
		currency,
		period: period!,
		openingBalance: fromMinorUnits(opening, currency),
		lines: shown.map((line) => statementLine(line, currency)),
		total: fromMinorUnits(total, currency),
		paid: fromMinorUnits(paid, currency),
		carriedBalance: fromMinorUnits(total - paid, currency),
		...(payout ? { payDate: payout.payDate } : {}),
		...(invalidLines.length ? { invalidLines } : {}),
	};
}

function statementLine(line: ReadLine, currency: string): StatementLine {
	const entry = line.entry as PayoutLedgerLine;
	const occurredAt = new Date(line.occurredAtMs).toISOString();
	return {
		date: occurredAt.slice(0, 10),
		occurredAt,
		entryId: entry.id,
		conversionId: entry.conversionId ?? '',
		transactionId: entry.transactionId ?? '',
		network: entry.network ?? '',
		kind: entry.kind ?? (line.minor < 0n ? 'reversal' : 'commission'),
		status: entry.status,
		amount: fromMinorUnits(line.minor, currency),
	};
}

// ---------------------------------------------------------------------------------------------------------
// CSV

const CSV_HEADER = ['date', 'conversion_id', 'transaction_id', 'network', 'kind', 'status', 'amount'];
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * A cell a spreadsheet will not run: text starting with = + - @ (or a tab or carriage return, which some
 * spreadsheets skip before reading a formula) gets a leading single quote. Amounts are never text from outside,
 * so a plain number in the amount column is left as a number even when negative.
 */
function safeCell(value: string, isAmount = false): string {
	if (isAmount && PLAIN_NUMBER.test(value)) return value;
	return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes doubled. */
function csvField(value: string): string {
	return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The statement as CSV (RFC 4180, CRLF line ends, a header row): an opening-balance row, one row per line,
 * then total, paid and carried-balance rows (their `kind` says which). Amounts with the currency's decimals.
 */
export function statementCsv(statement: Statement): string {
	const { currency } = statement;
	const money = (amount: string) => formatAmount(amount, currency);
	const periodStart = `${statement.period}-01`;
	const rows: string[][] = [CSV_HEADER];
	rows.push([periodStart, '', '', '', 'opening_balance', '', money(statement.openingBalance)]);
	for (const line of statement.lines) rows.push([line.date, line.conversionId, line.transactionId, line.network, line.kind, line.status, money(line.amount)]);
	rows.push(['', '', '', '', 'total', '', money(statement.total)]);
	rows.push([statement.payDate ?? '', '', '', '', 'paid', '', money(statement.paid)]);
	rows.push(['', '', '', '', 'carried_balance', '', money(statement.carriedBalance)]);
	// Not counted above: the amount as it stands, since it cannot be shown with the currency's decimals.
	for (const line of statement.invalidLines ?? []) rows.push([line.occurredAt.slice(0, 10), line.entryId, '', '', 'invalid_line', line.status, line.amount]);
	return (
		rows
			.map((row, rowIndex) => row.map((cell, column) => csvField(rowIndex === 0 ? cell : safeCell(cell, column === CSV_HEADER.length - 1))).join(','))
			.join('\r\n') + '\r\n'
	);
}

/** An exact decimal with exactly the currency's decimals ('12.5' USD → '12.50'). */
function formatAmount(amount: string, currency: string): string {
	return formatMinorUnits(toMinorUnits(amount, currency), currency);
}

// ---------------------------------------------------------------------------------------------------------
// HTML

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
	return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/** The lines that cannot be paid, listed after the table with why (not counted in it). */
function invalidSection(statement: Statement): string {
	const lines = statement.invalidLines ?? [];
	if (lines.length === 0) return '';
	const e = escapeHtml;
	const rows = lines
		.map((line) => `<tr><td>${e(line.entryId)}</td><td>${e(line.status)}</td><td class="amount">${e(line.amount)}</td><td>${e(line.reason)}</td></tr>`)
		.join('\n');
	return `
<h2>Ledger lines not counted</h2>
<p>These lines cannot be paid as they stand and are counted in no amount above.</p>
<table>
<thead><tr><th>Line</th><th>Status</th><th>Amount</th><th>Why</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

/** The statement as a self-contained HTML page (inline style, no script, no external resource), every value escaped. */
export function statementHtml(statement: Statement): string {
	const { currency } = statement;
	const e = escapeHtml;
	const money = (amount: string) => e(formatAmount(amount, currency));
	const title = `Statement ${statement.period}, ${statement.affiliateId} (${currency})`;
	const lineRows = statement.lines
		.map(
			(line) =>
				`<tr><td>${e(line.date)}</td><td>${e(line.conversionId)}</td><td>${e(line.transactionId)}</td><td>${e(line.network)}</td>` +
				`<td>${e(line.kind)}</td><td>${e(line.status)}</td><td class="amount">${money(line.amount)}</td></tr>`,
		)
		.join('\n');
	const summary = (label: string, amount: string) => `<tr class="summary"><th colspan="6">${e(label)}</th><td class="amount">${money(amount)}</td></tr>`;
	return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${e(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
td.amount { text-align: right; font-variant-numeric: tabular-nums; }
tr.summary th { text-align: right; }
</style>
</head>
<body>
<h1>${e(title)}</h1>
<p>Period ${e(statement.period)}${statement.payDate ? `, paid on ${e(statement.payDate)}` : ''}. Amounts in ${e(currency)}; dates in UTC.</p>
<table>
<thead><tr><th>Date</th><th>Conversion</th><th>Transaction</th><th>Network</th><th>Kind</th><th>Status</th><th>Amount</th></tr></thead>
<tbody>
${summary('Opening balance', statement.openingBalance)}
${lineRows}
</tbody>
<tfoot>
${summary('Total', statement.total)}
${summary('Paid', statement.paid)}
${summary('Carried balance', statement.carriedBalance)}
</tfoot>
</table>${invalidSection(statement)}
</body>
</html>
`;
}
