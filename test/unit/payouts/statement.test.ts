import { buildStatement, calculatePayoutPlan, statementCsv, statementHtml, type PayoutLedgerLine, type PayoutRules } from '../../../src/payouts';

const rules: PayoutRules = { payDay: 20, minimum: { USD: '50' } };
const base = { affiliateId: 'aff', currency: 'USD', status: 'approved' as const, network: 'shareasale' };
const ledger: PayoutLedgerLine[] = [
	// September: below the minimum then, brought forward into October's statement.
	{ ...base, id: 'sep-1', commission: '20.00', occurredAt: '2026-09-10T10:00:00Z', conversionId: 'conv-sep', transactionId: 'T-100' },
	{ ...base, id: 'oct-1', commission: '45.50', occurredAt: '2026-10-03T08:00:00Z', conversionId: 'conv-1', transactionId: 'T, "quoted"\nline' },
	{
		...base,
		id: 'oct-2',
		commission: '12.25',
		occurredAt: '2026-10-20T12:00:00Z',
		conversionId: '=HYPERLINK("http://evil.example","x")',
		transactionId: '<script>alert(1)</script>',
	},
	{
		...base,
		id: 'oct-3',
		commission: '-7.75',
		status: 'reversed',
		kind: 'reversal',
		occurredAt: '2026-10-25T00:00:00Z',
		conversionId: '+cmd|calc',
		transactionId: '@SUM(A1:A2)',
		network: '-2+3',
	},
	// Not part of October's payout: pending, another currency, another affiliate, November.
	{ ...base, id: 'oct-pending', commission: '99', status: 'pending', occurredAt: '2026-10-26T00:00:00Z' },
	{ ...base, id: 'oct-eur', commission: '10', currency: 'EUR', occurredAt: '2026-10-26T00:00:00Z' },
	{ ...base, id: 'oct-other', affiliateId: 'other', commission: '80', occurredAt: '2026-10-26T00:00:00Z' },
	{ ...base, id: 'nov-1', commission: '5', occurredAt: '2026-11-02T00:00:00Z' },
];

/** A small RFC 4180 reader for the test: quoted fields, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	for (let i = 0; i < text.length; i += 1) {
		const char = text[i];
		if (quoted) {
			if (char === '"' && text[i + 1] === '"') {
				field += '"';
				i += 1;
			} else if (char === '"') quoted = false;
			else field += char;
		} else if (char === '"') quoted = true;
		else if (char === ',') {
			row.push(field);
			field = '';
		} else if (char === '\r' && text[i + 1] === '\n') {
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
			i += 1;
		} else field += char;
	}
	expect(field).toBe('');
	expect(row).toEqual([]);
	return rows;
}

describe('buildStatement', () => {
	const plan = calculatePayoutPlan(ledger, rules, '2026-11-20T00:00:00Z');
	const payout = plan.payable.find((item) => item.affiliateId === 'aff' && item.currency === 'USD')!;

	it('lists the lines behind a payout, with the earlier balance brought forward, and totals the payout', () => {
		expect(payout.amount).toBe('70');
		const statement = buildStatement({ affiliateId: 'aff', currency: 'USD', period: '2026-10', entries: ledger, payout });
		expect(statement).toMatchObject({
			affiliateId: 'aff',
			currency: 'USD',
			period: '2026-10',
			openingBalance: '20',
			total: '70',
			paid: '70',
			carriedBalance: '0',
			payDate: '2026-11-20',
		});
		expect(statement.total).toBe(payout.amount);
		expect(statement.lines.map((line) => [line.date, line.entryId, line.kind, line.status, line.amount])).toEqual([
			['2026-10-03', 'oct-1', 'commission', 'approved', '45.5'],
			['2026-10-20', 'oct-2', 'commission', 'approved', '12.25'],
			['2026-10-25', 'oct-3', 'reversal', 'reversed', '-7.75'],
		]);
		// The period can come from the payout.
		expect(buildStatement({ affiliateId: 'aff', currency: 'usd', entries: ledger, payout })).toEqual(statement);
	});

	it('without a payout, shows the balance that is carried', () => {
		const statement = buildStatement({ affiliateId: 'aff', currency: 'USD', period: '2026-09', entries: ledger });
		expect(statement).toMatchObject({ openingBalance: '0', total: '20', paid: '0', carriedBalance: '20' });
		expect(statement.lines.map((line) => line.entryId)).toEqual(['sep-1']);
		const october = buildStatement({ affiliateId: 'aff', currency: 'USD', period: '2026-10', entries: ledger });
		expect(october).toMatchObject({ openingBalance: '20', total: '70', carriedBalance: '70' });
	});

	it('refuses a payout that its lines do not add up to, or that belongs elsewhere', () => {
		expect(() => buildStatement({ affiliateId: 'aff', currency: 'USD', entries: ledger, payout: { ...payout, amount: '71' } })).toThrow(
			/sum to 70 USD, but the payout is 71/,
		);
		expect(() => buildStatement({ affiliateId: 'aff', currency: 'USD', entries: ledger.slice(2), payout })).toThrow(
			/"sep-1", "oct-1" are not among the entries/,
		);
		expect(() => buildStatement({ affiliateId: 'other', currency: 'USD', entries: ledger, payout })).toThrow(/not other in USD/);
		expect(() => buildStatement({ affiliateId: 'aff', currency: 'USD', period: '2026-09', entries: ledger, payout })).toThrow(/covers 2026-10/);
		expect(() => buildStatement({ affiliateId: 'aff', currency: 'USD', period: '2026-13', entries: ledger })).toThrow(/YYYY-MM/);
	});
});

describe('statementCsv', () => {
	const payout = calculatePayoutPlan(ledger, rules, '2026-11-20T00:00:00Z').payable.find((item) => item.affiliateId === 'aff' && item.currency === 'USD')!;
	const statement = buildStatement({ affiliateId: 'aff', currency: 'USD', entries: ledger, payout });
	const csv = statementCsv(statement);
	const rows = parseCsv(csv);

	it('is RFC 4180: a header, CRLF rows, quoted fields with doubled quotes', () => {
		expect(csv.endsWith('\r\n')).toBe(true);
		expect(rows[0]).toEqual(['date', 'conversion_id', 'transaction_id', 'network', 'kind', 'status', 'amount']);
		expect(rows.every((row) => row.length === 7)).toBe(true);
		expect(csv).toContain('"T, ""quoted""\nline"');
		expect(rows[2]).toEqual(['2026-10-03', 'conv-1', 'T, "quoted"\nline', 'shareasale', 'commission', 'approved', '45.50']);
	});

	it('defuses formulas, but keeps negative amounts as numbers', () => {
		expect(rows[3].slice(1, 3)).toEqual([`'=HYPERLINK("http://evil.example","x")`, '<script>alert(1)</script>']);
		expect(rows[4]).toEqual(['2026-10-25', "'+cmd|calc", "'@SUM(A1:A2)", "'-2+3", 'reversal', 'reversed', '-7.75']);
		for (const row of rows.slice(1)) for (const cell of row.slice(0, 6)) expect(cell).not.toMatch(/^[=+\-@]/);
	});

	it('adds opening balance, total, paid and carried rows with the currency’s decimals', () => {
		expect(rows[1]).toEqual(['2026-10-01', '', '', '', 'opening_balance', '', '20.00']);
		expect(rows.slice(-3)).toEqual([
			['', '', '', '', 'total', '', '70.00'],
			['2026-11-20', '', '', '', 'paid', '', '70.00'],
			['', '', '', '', 'carried_balance', '', '0.00'],
		]);
		// The lines and the opening balance add up to the total (and the payout).
		const cents = (text: string) => Math.round(Number(text) * 100);
		expect(rows.slice(1, -3).reduce((sum, row) => sum + cents(row[6]), 0)).toBe(cents(payout.amount));
	});
});

describe('statementHtml', () => {
	const payout = calculatePayoutPlan(ledger, rules, '2026-11-20T00:00:00Z').payable.find((item) => item.affiliateId === 'aff' && item.currency === 'USD')!;

	it('is a self-contained page with every value escaped', () => {
		const html = statementHtml(
			buildStatement({
				affiliateId: 'aff <b>&</b>',
				currency: 'USD',
				entries: ledger.map((line) => ({ ...line, affiliateId: 'aff <b>&</b>' })),
				period: '2026-10',
			}),
		);
		expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
		expect(html).not.toMatch(/<script/i);
		expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		expect(html).toContain('=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)');
		expect(html).toContain('aff &lt;b&gt;&amp;&lt;/b&gt;');
		expect(html).not.toContain('<b>');
		expect(html).not.toMatch(/\b(src|href)=/);
	});

	it('shows the amounts and the total of the payout', () => {
		const html = statementHtml(buildStatement({ affiliateId: 'aff', currency: 'USD', entries: ledger, payout }));
		for (const amount of ['20.00', '45.50', '12.25', '-7.75', '70.00', '0.00']) expect(html).toContain(`<td class="amount">${amount}</td>`);
		expect(html).toContain('paid on 2026-11-20');
	});
});
