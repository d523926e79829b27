import fc from 'fast-check';
import {
	buildStatement,
	calculatePayoutPlan,
	invalidLineReports,
	statementCsv,
	statementHtml,
	type PayoutLedgerLine,
	type PayoutRules,
} from '../../../src/payouts';

/**
 * Issue 13: one bad line in the ledger (a commission finer than its currency, written by an older version; the
 * ledger is append-only) must never block everyone. The plan and the statement skip it, name it with its
 * reason, hold only its own affiliate's balance in its currency, and plan everyone else as if it were not there.
 */
let sequence = 0;
function line(affiliateId: string, commission: string, occurredAt: string, extra: Partial<PayoutLedgerLine> = {}): PayoutLedgerLine {
	sequence += 1;
	return { id: `line-${sequence}`, affiliateId, currency: 'USD', commission, status: 'approved', occurredAt, ...extra };
}
const RULES: PayoutRules = { payDay: 20, holdingDays: 0 };
const asOf = '2026-11-20T00:00:00Z';
const ids = (entries: { id: string }[]) => entries.map((entry) => entry.id);

describe('a payout plan isolates a line it cannot read', () => {
	const goodA = line('aff-A', '60', '2026-10-03T10:00:00Z');
	const goodB = line('aff-B', '70', '2026-10-04T10:00:00Z');
	const goodBEuro = line('aff-B', '30', '2026-10-04T10:00:00Z', { currency: 'EUR' });
	const badB = line('aff-B', '0.005', '2026-10-05T10:00:00Z', { id: 'half-cent' });
	const badC = line('aff-C', '0.5', '2026-10-05T10:00:00Z', { id: 'half-yen', currency: 'JPY' });
	const badD = line('aff-D', '0.0005', '2026-10-05T10:00:00Z', { id: 'half-fils', currency: 'KWD' });

	it('pays everyone else; holds the bad line’s own affiliate and currency whole, saying which line and why', () => {
		const plan = calculatePayoutPlan([goodA, goodB, goodBEuro, badB, badC, badD], RULES, asOf);
		expect(plan.payable.map((due) => [due.affiliateId, due.currency, due.amount])).toEqual([
			['aff-A', 'USD', '60'],
			['aff-B', 'EUR', '30'],
		]);
		expect(plan.carried).toEqual([
			{ affiliateId: 'aff-B', currency: 'USD', amount: '70', reason: 'invalid_line', invalidEntryIds: ['half-cent'], entries: [goodB] },
		]);
		expect(plan.excluded.map((excluded) => [excluded.reason, excluded.entryId])).toEqual([
			['invalid_line', 'half-cent'],
			['invalid_line', 'half-yen'],
			['invalid_line', 'half-fils'],
		]);
		expect(plan.excluded[0].detail).toMatch(/0\.005 USD has more decimals than the currency's minor unit \(2\)/);
		expect(plan.excluded[1].detail).toMatch(/0\.5 JPY .*\(0\)/);
		expect(plan.excluded[2].detail).toMatch(/0\.0005 KWD .*\(3\)/);
		const reports = invalidLineReports(plan);
		expect(reports.map((report) => [report.outcome, report.affiliateId, report.currency, report.amount, report.entryIds])).toEqual([
			['invalid_line', 'aff-B', 'USD', '0.005', ['half-cent']],
			['invalid_line', 'aff-C', 'JPY', '0.5', ['half-yen']],
			['invalid_line', 'aff-D', 'KWD', '0.0005', ['half-fils']],
		]);
		expect(reports[0].reason).toMatch(/"half-cent" cannot be paid.*held/);
	});

	it("with invalidLines 'skip' the operator pays that balance without the bad line, which stays listed", () => {
		const plan = calculatePayoutPlan([goodA, goodB, badB], { ...RULES, invalidLines: 'skip' }, asOf);
		expect(plan.payable.map((due) => [due.affiliateId, due.amount, ids(due.entries)])).toEqual([
			['aff-A', '60', [goodA.id]],
			['aff-B', '70', [goodB.id]],
		]);
		expect(plan.excluded.map((excluded) => excluded.entryId)).toEqual(['half-cent']);
		expect(invalidLineReports(plan, 'skip')[0].reason).toMatch(/paid without it/);
	});

	it('a bad line that would not count anyway (pending, already paid) holds nothing', () => {
		const pending = line('aff-B', '0.005', '2026-10-05T10:00:00Z', { status: 'pending' });
		const paid = line('aff-B', '0.005', '2026-10-05T10:00:00Z', { paid: true });
		const plan = calculatePayoutPlan([goodB, pending, paid], RULES, asOf);
		expect(plan.payable.map((due) => due.amount)).toEqual(['70']);
		expect(plan.excluded.map((excluded) => excluded.reason)).toEqual(['invalid_line', 'invalid_line']);
	});

	it('any ledger with any bad lines: never throws; every other affiliate is planned exactly as without them', () => {
		const affiliates = ['a1', 'a2', 'a3', 'a4'];
		const good = fc.record({
			affiliateId: fc.constantFrom(...affiliates),
			currency: fc.constantFrom('USD', 'JPY', 'KWD'),
			minor: fc.integer({ min: -5000, max: 20000 }),
			status: fc.constantFrom('approved', 'approved', 'pending', 'reversed'),
			day: fc.integer({ min: 0, max: 80 }),
		});
		const bad = fc.record({
			affiliateId: fc.constantFrom(...affiliates),
			currency: fc.constantFrom('USD', 'JPY', 'KWD'),
			status: fc.constantFrom('approved', 'reversed', 'pending'),
			kind: fc.constantFrom('precision', 'not-decimal', 'bad-date', 'bad-currency'),
		});
		const exponent: Record<string, number> = { USD: 2, JPY: 0, KWD: 3 };
		const asText = (minor: number, currency: string) => {
			const e = exponent[currency];
			const sign = minor < 0 ? '-' : '';
			const digits = String(Math.abs(minor)).padStart(e + 1, '0');
			return e === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -e)}.${digits.slice(-e)}`;
		};
		fc.assert(
			fc.property(fc.array(good, { maxLength: 25 }), fc.array(bad, { maxLength: 4 }), fc.constantFrom<'hold' | 'skip'>('hold', 'skip'), (goods, bads, mode) => {
				const goodLines = goods.map((g, index) =>
					line(
						g.affiliateId,
						asText(g.status === 'reversed' ? -Math.abs(g.minor) : g.minor, g.currency),
						new Date(Date.parse('2026-09-01T00:00:00Z') + g.day * 86_400_000).toISOString(),
						{
							id: `g${index}`,
							currency: g.currency,
							status: g.status as PayoutLedgerLine['status'],
						},
					),
				);
				const badLines = bads.map((b, index) =>
					line(
						b.affiliateId,
						b.kind === 'precision' ? (b.currency === 'JPY' ? '0.5' : b.currency === 'KWD' ? '0.0005' : '0.005') : b.kind === 'not-decimal' ? '1,5' : '1',
						b.kind === 'bad-date' ? 'yesterday' : '2026-10-01T00:00:00Z',
						{
							id: `b${index}`,
							currency: b.kind === 'bad-currency' ? 'XXQ' : b.currency,
							status: b.status as PayoutLedgerLine['status'],
						},
					),
				);
				const rules = { ...RULES, invalidLines: mode };
				const clean = calculatePayoutPlan(goodLines, rules, asOf);
				const mixed = calculatePayoutPlan([...goodLines, ...badLines], rules, asOf);
				expect(mixed.excluded.filter((excluded) => excluded.reason === 'invalid_line').map((excluded) => excluded.entryId)).toEqual(
					badLines.map((bad) => bad.id),
				);
				// Balances the bad lines hold: their affiliate and currency, when they would have counted.
				const held = new Set(bads.filter((b) => b.status !== 'pending').map((b) => `${b.kind === 'bad-currency' ? 'XXQ' : b.currency}/${b.affiliateId}`));
				const key = (due: { affiliateId: string; currency: string }) => `${due.currency}/${due.affiliateId}`;
				const untouched = (due: { affiliateId: string; currency: string }) => mode === 'skip' || !held.has(key(due));
				const strip = (due: { affiliateId: string; currency: string; amount: string; entries: { id: string }[] }) => [
					due.affiliateId,
					due.currency,
					due.amount,
					ids(due.entries),
				];
				expect(mixed.payable.map(strip)).toEqual(clean.payable.filter(untouched).map(strip));
				expect(mixed.carried.filter(untouched).map(strip)).toEqual(clean.carried.filter(untouched).map(strip));
				for (const carried of mixed.carried.filter((c) => !untouched(c))) expect(carried.reason).toBe('invalid_line');
				// Every input line is somewhere exactly once.
				const placed = [
					...mixed.payable.flatMap((due) => due.entries),
					...mixed.carried.flatMap((c) => c.entries),
					...mixed.waiting.map((w) => w.entry),
					...mixed.excluded.map((x) => x.entry),
				];
				expect(ids(placed).sort()).toEqual(ids([...goodLines, ...badLines]).sort());
			}),
			{ numRuns: 300 },
		);
	});
});

describe('the holding period runs from when the line was recorded, not from the occurredAt the postback claimed', () => {
	const rules: PayoutRules = { payDay: 20, holdingDays: 30 };

	it('a conversion back-dated by two months and recorded two days ago waits out its whole hold', () => {
		const backDated = line('aff', '100', '2026-09-01T00:00:00Z', { recordedAt: '2026-11-18T00:00:00Z' });
		const plan = calculatePayoutPlan([backDated], rules, asOf);
		expect(plan.payable).toEqual([]);
		expect(plan.waiting).toEqual([{ entry: backDated, reason: 'holding', dueFrom: '2026-12-18T00:00:00.000Z' }]);
		// Once the hold has passed since it was recorded, it is paid.
		expect(calculatePayoutPlan([backDated], rules, '2026-12-20T00:00:00Z').payable.map((due) => due.amount)).toEqual(['100']);
	});

	it('a line recorded before its claimed time (a clock ahead) is held from occurredAt: the later of the two', () => {
		const ahead = line('aff', '100', '2026-10-25T00:00:00Z', { recordedAt: '2026-10-01T00:00:00Z' });
		expect(calculatePayoutPlan([ahead], rules, asOf)).toMatchObject({
			payable: [],
			waiting: [{ entry: ahead, reason: 'holding', dueFrom: '2026-11-24T00:00:00.000Z' }],
		});
	});

	it('a line without recordedAt (built by hand) is held from occurredAt, as before', () => {
		const plain = line('aff', '100', '2026-09-01T00:00:00Z');
		expect(calculatePayoutPlan([plain], rules, asOf).payable.map((due) => due.amount)).toEqual(['100']);
	});

	it('an unreadable recordedAt is an invalid line, never a reason to pay early', () => {
		const broken = line('aff', '100', '2026-09-01T00:00:00Z', { recordedAt: 'soon' });
		const plan = calculatePayoutPlan([broken], rules, asOf);
		expect(plan.payable).toEqual([]);
		expect(plan.excluded).toEqual([{ entry: broken, reason: 'invalid_line', entryId: broken.id, detail: expect.stringMatching(/recordedAt/) }]);
	});
});

describe('a statement lists a bad line of its affiliate instead of failing', () => {
	const good = line('aff-B', '70', '2026-10-04T10:00:00Z', { conversionId: 'cv-1', network: 'custom' });
	const bad = line('aff-B', '0.005', '2026-10-05T10:00:00Z', { id: '=half-cent' });
	const otherBad = line('aff-X', '0.005', '2026-10-05T10:00:00Z', { id: 'not-ours' });

	it('counts the good lines, lists the bad one with its reason, and renders both formats', () => {
		const statement = buildStatement({ affiliateId: 'aff-B', currency: 'USD', period: '2026-10', entries: [good, bad, otherBad] });
		expect(statement.total).toBe('70');
		expect(statement.lines.map((l) => l.entryId)).toEqual([good.id]);
		expect(statement.invalidLines).toEqual([
			{ entryId: '=half-cent', amount: '0.005', status: 'approved', occurredAt: '2026-10-05T10:00:00Z', reason: expect.stringMatching(/more decimals/) },
		]);
		const csv = statementCsv(statement);
		expect(csv).toContain("2026-10-05,'=half-cent,,,invalid_line,approved,0.005\r\n");
		const html = statementHtml(statement);
		expect(html).toContain('Ledger lines not counted');
		expect(html).toContain('=half-cent');
		expect(html).not.toContain('not-ours');
	});

	it('a statement with no bad line has no invalidLines', () => {
		expect(buildStatement({ affiliateId: 'aff-B', currency: 'USD', period: '2026-10', entries: [good, otherBad] }).invalidLines).toBeUndefined();
	});
});
