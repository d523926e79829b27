/**
 * The embedded tracking store: one SQLite file through Node's built-in `node:sqlite`. WAL mode and a busy
 * timeout let several processes share the file; every "first or again" decision is one INSERT on a unique key.
 *
 * `node:sqlite` is synchronous: each method runs to completion before it returns its promise, so nothing
 * interleaves inside one process, and multi-statement writes take the write lock up front (BEGIN IMMEDIATE).
 */

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { claimLeaseMs, claimToken, conversionKeyParts, holderToken, isoTime, optionalText, requireText, status as checkedStatus } from './common';
import { migrateSqlite } from './migrations';
import {
	CLICK_COLUMNS,
	CONVERSION_COLUMNS,
	LEDGER_COLUMNS,
	clickFromRow,
	clickValues,
	conversionFromRow,
	conversionValues,
	customerFromRow,
	ledgerFromRow,
	ledgerValues,
	ledgerWhere,
	statusChangeFromRow,
	statusChangeValues,
} from './rows';
import type {
	ClaimHolder,
	ClaimOptions,
	ClaimOutcome,
	ClaimResult,
	ClickRecord,
	ConversionKey,
	LedgerEntry,
	LedgerFilter,
	StatusChange,
	StoredConversion,
	TrackingStore,
} from './types';
import type { ConversionStatus } from '../model';

/** How long a write waits for another process's lock before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

type Row = Record<string, SQLInputValue>;

function loadSqlite(): typeof import('node:sqlite') {
	try {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		return require('node:sqlite') as typeof import('node:sqlite');
	} catch (error) {
		// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- src/ never imports n8n; nodes wrap store errors in NodeOperationError
		throw new Error(
			`The embedded tracking store needs Node.js 22.13 or later (node:sqlite); this is Node.js ${process.versions.node}. ` +
				`Use a newer Node.js or the PostgreSQL store. (${(error as Error).message})`,
		);
	}
}

export async function openSqliteStore(path: string): Promise<TrackingStore> {
	const { DatabaseSync } = loadSqlite();
	if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
	const db = new DatabaseSync(path, { timeout: SQLITE_BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
	let ready = false;
	try {
		db.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
		db.exec('PRAGMA journal_mode = WAL');
		db.exec('PRAGMA synchronous = NORMAL');
		db.exec('PRAGMA foreign_keys = ON');
		migrateSqlite(db);
		ready = true;
	} finally {
		if (!ready) db.close();
	}
	return new SqliteStore(db);
}

/** SQLite's clock as the text every time column holds (`toISOString()`'s form); `'now'` is fixed for one statement. */
const SQLITE_NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

/**
 * The claim, in one statement: insert the key as pending, or take over a claim that was released or whose
 * holder's lease ran out (the cutoff is `'now'` minus the lease, the `?` modifier). RETURNING gives a row only
 * when this statement took the claim; takeovers is 0 only when it inserted it.
 */
const CLAIM_UPSERT = `INSERT INTO conversion_claims (network, transaction_id, event_name, claimed_at, state, holder)
	VALUES (?, ?, ?, ${SQLITE_NOW}, 'pending', ?)
	ON CONFLICT (network, transaction_id, event_name) DO UPDATE
		SET claimed_at = excluded.claimed_at, state = 'pending', holder = excluded.holder, takeovers = takeovers + 1
		WHERE state = 'released' OR (state = 'pending' AND claimed_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?))
	RETURNING takeovers, claimed_at`;
const CLAIM_KEY = 'network = ? AND transaction_id = ? AND event_name = ?';

const CLICK_INSERT = `INSERT INTO clicks (click_id, clicked_at, ${CLICK_COLUMNS.map(([column]) => column).join(', ')}, utm)
	VALUES (${Array.from({ length: CLICK_COLUMNS.length + 3 }, () => '?').join(', ')})
	ON CONFLICT (click_id) DO NOTHING`;

class SqliteStore implements TrackingStore {
	readonly kind = 'sqlite' as const;
	private readonly statements = new Map<string, StatementSync>();
	private closed = false;

	constructor(private readonly db: DatabaseSync) {}

	/** One prepared statement per SQL text, prepared on first use. */
	private statement(sql: string): StatementSync {
		if (this.closed) throw new Error('Tracking store: this SQLite store is closed');
		let statement = this.statements.get(sql);
		if (!statement) {
			statement = this.db.prepare(sql);
			this.statements.set(sql, statement);
		}
		return statement;
	}

	private run(sql: string, ...values: SQLInputValue[]): number {
		return Number(this.statement(sql).run(...values).changes);
	}

	private get(sql: string, ...values: SQLInputValue[]): Row | undefined {
		return this.statement(sql).get(...values) as Row | undefined;
	}

	private all(sql: string, ...values: SQLInputValue[]): Row[] {
		return this.statement(sql).all(...values) as Row[];
	}

	/** Runs `body` holding the write lock, committing on return and rolling back on a throw. */
	private transaction<T>(body: () => T): T {
		this.statement('BEGIN IMMEDIATE').run();
		try {
			const result = body();
			this.statement('COMMIT').run();
			return result;
		} finally {
			// Still open only when something above threw: undo it (the error propagates).
			if (this.db.isTransaction) this.statement('ROLLBACK').run();
		}
	}

	async recordClick(click: ClickRecord): Promise<boolean> {
		return this.run(CLICK_INSERT, ...clickValues(click)) === 1;
	}

	async findClick(clickId: string): Promise<ClickRecord | undefined> {
		const row = this.get('SELECT * FROM clicks WHERE click_id = ?', requireText(clickId, 'clickId'));
		return row ? clickFromRow(row) : undefined;
	}

	async findClicksByVisitor(visitorId: string, since: string): Promise<ClickRecord[]> {
		const rows = this.all(
			'SELECT * FROM clicks WHERE visitor_id = ? AND clicked_at >= ? ORDER BY clicked_at, rowid',
			requireText(visitorId, 'visitorId'),
			isoTime(since, 'since'),
		);
		return rows.map((row) => clickFromRow(row));
	}

	async findClicksByIpAndUserAgent(ip: string, userAgent: string, since: string): Promise<ClickRecord[]> {
		const rows = this.all(
			'SELECT * FROM clicks WHERE ip = ? AND user_agent = ? AND clicked_at >= ? ORDER BY clicked_at DESC, rowid DESC',
			requireText(ip, 'ip'),
			requireText(userAgent, 'userAgent'),
			isoTime(since, 'since'),
		);
		return rows.map((row) => clickFromRow(row));
	}

	async claimConversion(key: ConversionKey, options?: ClaimOptions): Promise<ClaimResult> {
		const outcome = this.claim(key, options, false);
		// Without a lease the caller guards nothing that could crash halfway: the claim is final at once.
		if (outcome.result === 'first' && options?.leaseMs === undefined) await this.completeClaim(key, { token: outcome.token });
		return outcome.result;
	}

	async claimConversionDetailed(key: ConversionKey, options?: ClaimOptions): Promise<ClaimOutcome> {
		return this.claim(key, options, true);
	}

	private claim(key: ConversionKey, options: ClaimOptions | undefined, detailed: boolean): ClaimOutcome {
		const parts = conversionKeyParts(key);
		const leaseMs = claimLeaseMs(options);
		const token = claimToken();
		const taken = this.get(CLAIM_UPSERT, ...parts, token, `-${leaseMs / 1000} seconds`);
		if (taken) return { result: 'first', state: Number(taken.takeovers) === 0 ? 'new' : 'taken-over', token, claimedAt: String(taken.claimed_at) };
		if (!detailed) return { result: 'duplicate', state: 'in-flight' };
		// Only says why it is a duplicate (the decision above is final): a claim is never deleted, so the row is there.
		const row = this.get(`SELECT state, claimed_at FROM conversion_claims WHERE ${CLAIM_KEY}`, ...parts);
		return { result: 'duplicate', state: row?.state === 'done' ? 'done' : 'in-flight', ...(row ? { claimedAt: String(row.claimed_at) } : {}) };
	}

	async completeClaim(key: ConversionKey, holder?: ClaimHolder): Promise<boolean> {
		const parts = conversionKeyParts(key);
		const token = holderToken(holder, false);
		return token === null
			? this.run(`UPDATE conversion_claims SET state = 'done' WHERE ${CLAIM_KEY}`, ...parts) === 1
			: this.run(`UPDATE conversion_claims SET state = 'done' WHERE ${CLAIM_KEY} AND holder = ?`, ...parts, token) === 1;
	}

	async releaseClaim(key: ConversionKey, holder: ClaimHolder & { token: string }): Promise<boolean> {
		const parts = conversionKeyParts(key);
		const token = holderToken(holder, true)!;
		return this.run(`UPDATE conversion_claims SET state = 'released' WHERE ${CLAIM_KEY} AND holder = ? AND state = 'pending'`, ...parts, token) === 1;
	}

	async nextClickSequence(clickId: string): Promise<number> {
		const row = this.get(
			'INSERT INTO click_sequences (click_id, n) VALUES (?, 1) ON CONFLICT (click_id) DO UPDATE SET n = n + 1 RETURNING n',
			requireText(clickId, 'clickId'),
		);
		return Number(row!.n);
	}

	async saveConversion(conversion: StoredConversion): Promise<boolean> {
		const values = conversionValues(conversion);
		return this.transaction(() => {
			const inserted = this.run(`INSERT INTO conversions (${CONVERSION_COLUMNS}) VALUES (${placeholders(14)}) ON CONFLICT (id) DO NOTHING`, ...values);
			if (inserted !== 1) return false;
			this.run('INSERT INTO conversion_status_history (conversion_id, status, at) VALUES (?, ?, ?)', values[0], values[6], values[11]);
			return true;
		});
	}

	async getConversion(id: string): Promise<StoredConversion | undefined> {
		const row = this.get(`SELECT ${CONVERSION_COLUMNS} FROM conversions WHERE id = ?`, requireText(id, 'id'));
		return row ? conversionFromRow(row) : undefined;
	}

	async findConversionsByTransaction(network: string, transactionId: string): Promise<StoredConversion[]> {
		const rows = this.all(
			`SELECT ${CONVERSION_COLUMNS} FROM conversions WHERE network = ? AND transaction_id = ? ORDER BY occurred_at, rowid`,
			requireText(network, 'network'),
			requireText(transactionId, 'transactionId'),
		);
		return rows.map((row) => conversionFromRow(row));
	}

	async appendStatus(change: StatusChange, options?: { from?: ConversionStatus }): Promise<boolean> {
		const [conversionId, newStatus, at, detail] = statusChangeValues(change);
		const from = options?.from === undefined ? null : checkedStatus(options.from, 'from');
		return this.transaction(() => {
			const updated =
				from === null
					? this.run('UPDATE conversions SET status = ? WHERE id = ?', newStatus, conversionId)
					: this.run('UPDATE conversions SET status = ? WHERE id = ? AND status = ?', newStatus, conversionId, from);
			if (updated !== 1) {
				if (from !== null && this.get('SELECT 1 AS found FROM conversions WHERE id = ?', conversionId)) return false;
				throw new Error(`Tracking store: no conversion with id ${JSON.stringify(conversionId)}`);
			}
			this.run('INSERT INTO conversion_status_history (conversion_id, status, at, detail) VALUES (?, ?, ?, ?)', conversionId, newStatus, at, detail);
			return true;
		});
	}

	async statusHistory(conversionId: string): Promise<StatusChange[]> {
		const rows = this.all(
			'SELECT conversion_id, status, at, detail FROM conversion_status_history WHERE conversion_id = ? ORDER BY seq',
			requireText(conversionId, 'conversionId'),
		);
		return rows.map((row) => statusChangeFromRow(row));
	}

	async addLedgerEntry(entry: LedgerEntry): Promise<boolean> {
		return this.run(`INSERT INTO ledger (${LEDGER_COLUMNS}) VALUES (${placeholders(13)}) ON CONFLICT (id) DO NOTHING`, ...ledgerValues(entry)) === 1;
	}

	async listLedger(filter: LedgerFilter = {}): Promise<LedgerEntry[]> {
		const { where, values } = ledgerWhere(filter, () => '?');
		const rows = this.all(`SELECT ${LEDGER_COLUMNS} FROM ledger ${where} ORDER BY occurred_at, rowid`, ...values);
		return rows.map(ledgerFromRow);
	}

	async setCoupon(code: string, affiliateId: string): Promise<void> {
		this.run(
			'INSERT INTO coupons (code, affiliate_id, updated_at) VALUES (?, ?, ?) ON CONFLICT (code) DO UPDATE SET affiliate_id = excluded.affiliate_id, updated_at = excluded.updated_at',
			requireText(code, 'code'),
			requireText(affiliateId, 'affiliateId'),
			new Date().toISOString(),
		);
	}

	async findCouponAffiliate(code: string): Promise<string | undefined> {
		const row = this.get('SELECT affiliate_id FROM coupons WHERE code = ?', requireText(code, 'code'));
		return row ? String(row.affiliate_id) : undefined;
	}

	async linkCustomer(customerKey: string, affiliateId: string, clickId?: string): Promise<{ affiliateId: string; clickId?: string }> {
		const key = requireText(customerKey, 'customerKey');
		this.run(
			'INSERT INTO customers (customer_key, affiliate_id, click_id, linked_at) VALUES (?, ?, ?, ?) ON CONFLICT (customer_key) DO NOTHING',
			key,
			requireText(affiliateId, 'affiliateId'),
			optionalText(clickId, 'clickId'),
			new Date().toISOString(),
		);
		return (await this.findCustomer(key))!;
	}

	async findCustomer(customerKey: string): Promise<{ affiliateId: string; clickId?: string } | undefined> {
		const row = this.get('SELECT affiliate_id, click_id FROM customers WHERE customer_key = ?', requireText(customerKey, 'customerKey'));
		return row ? customerFromRow(row) : undefined;
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.statements.clear();
		this.db.close();
	}
}

function placeholders(count: number): string {
	return Array.from({ length: count }, () => '?').join(', ');
}


