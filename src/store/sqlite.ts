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
import {
	claimLeaseMs,
	claimToken,
	conversionKeyParts,
	holderToken,
	isoTime,
	leaseGraceMs,
	leaseInput,
	optionalText,
	payoutItemState,
	payoutItemStates,
	payoutTransition,
	reholdConflict,
	requireText,
	status as checkedStatus,
	StoreInputError,
} from './common';
import { migrateSqlite } from './migrations';
import {
	OUTBOX_ERASED_CODE,
	OUTBOX_RETENTION_CODE,
	claimedOutboxFromRow,
	outboxClaimInput,
	outboxFromRow,
	outboxInserts,
	outboxListInput,
	outboxSettleInput,
	replayCandidateFromRow,
	replayDecision,
	replayInput,
	replayReport,
	unknownOutboxEntry,
} from './outbox';
import {
	ErasureScan,
	PRIVACY_BATCH,
	REDACTED_JSON,
	REDACTED_TEXT,
	REPLAY_NAMESPACE,
	conversionCutoffs,
	emptyErasureCounts,
	emptyRetentionCounts,
	personMatcher,
	redactPayload,
	retentionCutoffs,
	type ErasureReport,
	type PersonKey,
	type RedactionLevel,
	type RetentionPolicy,
	type RetentionReport,
} from './privacy';
import {
	CLICK_COLUMNS,
	CONVERSION_COLUMNS,
	LEDGER_COLUMNS,
	PAYOUT_ITEM_COLUMNS,
	SETTLEMENT_SQL,
	byCodeUnits,
	clickFromRow,
	clickValues,
	conversionFromRow,
	conversionListWhere,
	deliveryConversionIds,
	deliveryFromRow,
	deliveryValues,
	conversionValues,
	customerFromRow,
	ledgerFrom,
	checkReservedLines,
	ledgerFromRow,
	ledgerValues,
	ledgerWhere,
	payoutHistoryFromRow,
	payoutItemFromRow,
	payoutItemWhere,
	payoutReservationValues,
	statusChangeFromRow,
	statusChangeValues,
	leaseFromRow,
} from './rows';
import type {
	ClaimHolder,
	ClaimOptions,
	ClaimOutcome,
	ClaimResult,
	ClickRecord,
	ConversionKey,
	ConversionListFilter,
	ClaimedOutboxEntry,
	Delivery,
	DeliveryRecord,
	LedgerEntry,
	LedgerFilter,
	LedgerLine,
	LeaseOptions,
	LeaseOutcome,
	LeaseRecord,
	OutboxEntry,
	OutboxSettlement,
	OutboxState,
	ReplayReport,
	ReplayRequest,
	ReplaySkipReason,
	PayoutItemChange,
	PayoutItemFilter,
	PayoutItemHistoryLine,
	PayoutItemRecord,
	PayoutItemReservation,
	PayoutItemState,
	ReserveOutcome,
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
		// Deleted and overwritten content is zeroed in the file, so an erased person's data is not left in free pages.
		db.exec('PRAGMA secure_delete = ON');
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

/**
 * The lease, in one statement: insert it, or take over one that has expired (the `?` is its ttl as a SQLite
 * modifier). RETURNING gives a row only when this statement took the lease.
 */
const LEASE_UPSERT = `INSERT INTO leases (namespace, lease_key, token, holder, acquired_at, expires_at)
	VALUES (?, ?, ?, ?, ${SQLITE_NOW}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?))
	ON CONFLICT (namespace, lease_key) DO UPDATE
		SET token = excluded.token, holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at,
			renewals = 0, takeovers = takeovers + 1
		WHERE leases.expires_at <= excluded.acquired_at
	RETURNING expires_at, takeovers`;

const CLICK_INSERT = `INSERT INTO clicks (click_id, clicked_at, ${CLICK_COLUMNS.map(([column]) => column).join(', ')}, utm, click_ids, consent)
	VALUES (${Array.from({ length: CLICK_COLUMNS.length + 5 }, () => '?').join(', ')})
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

	/**
	 * Runs `body` holding the write lock, committing on return (unless `commit` says otherwise: then it rolls
	 * back and still returns the result) and rolling back on a throw.
	 */
	private transaction<T>(body: () => T, commit: (result: T) => boolean = () => true): T {
		this.statement('BEGIN IMMEDIATE').run();
		try {
			const result = body();
			this.statement(commit(result) ? 'COMMIT' : 'ROLLBACK').run();
			return result;
		} finally {
			// Still open only when something above threw: undo it (the error propagates).
			if (this.db.isTransaction) this.statement('ROLLBACK').run();
		}
	}

	/** SQLite's clock, read once, so every row one transaction writes carries the same time (as PostgreSQL's now() does). */
	private transactionNow(): string {
		return String(this.get(`SELECT ${SQLITE_NOW} AS now`)!.now);
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

	async listConversions(filter: ConversionListFilter = {}): Promise<StoredConversion[]> {
		const { where, values, limit } = conversionListWhere(filter, () => '?');
		const rows = this.all(`SELECT ${CONVERSION_COLUMNS} FROM conversions ${where} ORDER BY recorded_at DESC, rowid DESC LIMIT ?`, ...values, limit);
		return rows.map((row) => conversionFromRow(row));
	}

	async recordDelivery(delivery: DeliveryRecord): Promise<Delivery> {
		const values = deliveryValues(delivery);
		const row = this.get(
			`INSERT INTO deliveries (conversion_id, destination, outcome, event_id, code, reason, http_status, at)
				VALUES (?, ?, ?, ?, ?, ?, ?, coalesce(?, ${SQLITE_NOW})) RETURNING ${DELIVERY_COLUMNS}`,
			...values,
		);
		return deliveryFromRow(row!);
	}

	async listDeliveries(conversions: string | { conversionIds: string[] }): Promise<Delivery[]> {
		const ids = deliveryConversionIds(conversions);
		if (ids.length === 0) return [];
		const rows = this.all(
			`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE conversion_id IN (SELECT value FROM json_each(?)) ORDER BY seq`,
			JSON.stringify(ids),
		);
		return rows.map((row) => deliveryFromRow(row));
	}

	async enqueueDeliveries(entries: Array<{ conversionId: string; destination: string; item: unknown; dueAt: string }>): Promise<boolean[]> {
		const inserts = outboxInserts(entries);
		const added = new Array<boolean>(inserts.length).fill(false);
		if (inserts.length === 0) return added;
		this.transaction(() => {
			const now = this.transactionNow();
			for (const entry of inserts) {
				added[entry.index] =
					this.run(
						`INSERT INTO outbox (conversion_id, destination, state, due_at, created_at, updated_at, item)
							VALUES (?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT (conversion_id, destination) DO NOTHING`,
						entry.conversionId,
						entry.destination,
						entry.dueAt,
						now,
						now,
						entry.item,
					) === 1;
			}
		});
		return added;
	}

	async claimDueDeliveries(options: { now: string; limit: number; leaseMs: number; destinations?: string[] }): Promise<ClaimedOutboxEntry[]> {
		const input = outboxClaimInput(options);
		if (input.destinations?.length === 0) return [];
		const destinations = input.destinations === undefined ? null : JSON.stringify(input.destinations);
		// The write lock is taken before the due entries are read, so another process's claim waits and then finds them leased.
		return this.transaction(() => {
			const due = this.all(
				`SELECT conversion_id, destination FROM outbox
					WHERE state = 'pending' AND due_at <= ? AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
						AND (? IS NULL OR EXISTS (SELECT 1 FROM json_each(?) AS d WHERE d.value = destination
							OR (substr(d.value, -1) = '*' AND substr(destination, 1, length(d.value) - 1) = substr(d.value, 1, length(d.value) - 1))))
					ORDER BY due_at, created_at, rowid LIMIT ?`,
				input.now,
				input.now,
				destinations,
				destinations,
				input.limit,
			);
			return due.map((row, n) =>
				claimedOutboxFromRow(
					this.get(
						`UPDATE outbox SET lease_token = ?, lease_expires_at = ? WHERE conversion_id = ? AND destination = ? RETURNING ${OUTBOX_COLUMNS}, lease_token`,
						input.tokens[n],
						input.leaseExpiresAt,
						row.conversion_id,
						row.destination,
					)!,
				),
			);
		});
	}

	async settleDelivery(
		key: { conversionId: string; destination: string },
		settlement: OutboxSettlement,
		detail?: { code?: string; reason?: string; token?: string; at?: string },
	): Promise<boolean> {
		const input = outboxSettleInput(key, settlement, detail);
		const pending = input.state === 'pending';
		// One statement decides: only a pending entry, and with a token only while the lease is still that token's.
		const changed = this.run(
			`UPDATE outbox SET state = ?, attempts = attempts + 1, due_at = coalesce(?, due_at), updated_at = coalesce(?, ${SQLITE_NOW}),
				last_code = ?, last_reason = ?, item = CASE WHEN ? THEN item ELSE NULL END, lease_token = NULL, lease_expires_at = NULL
				WHERE conversion_id = ? AND destination = ? AND state = 'pending' AND (? IS NULL OR lease_token = ?)`,
			input.state,
			input.dueAt,
			input.at,
			input.code,
			input.reason,
			pending ? 1 : 0,
			input.conversionId,
			input.destination,
			input.token,
			input.token,
		);
		if (changed === 1) return true;
		if (this.get('SELECT 1 AS found FROM outbox WHERE conversion_id = ? AND destination = ?', input.conversionId, input.destination)) return false;
		throw unknownOutboxEntry(input.conversionId, input.destination);
	}

	async replayDeliveries(request: ReplayRequest): Promise<ReplayReport> {
		const input = replayInput(request);
		const clauses = ['o.destination = ?'];
		const values: SQLInputValue[] = [input.now, input.destination];
		if (input.conversionIds) {
			clauses.push('o.conversion_id IN (SELECT value FROM json_each(?))');
			values.push(JSON.stringify(input.conversionIds));
		}
		if (input.network !== undefined) {
			clauses.push('c.network = ?');
			values.push(input.network);
		}
		if (input.recordedFrom !== undefined) {
			clauses.push('c.recorded_at >= ?');
			values.push(input.recordedFrom);
		}
		if (input.recordedBefore !== undefined) {
			clauses.push('c.recorded_at < ?');
			values.push(input.recordedBefore);
		}
		// One write transaction: what was read is what is changed (no claim or settlement in between).
		return this.transaction(() => {
			const rows = this.all(
				`SELECT o.conversion_id, o.state, o.item IS NOT NULL AS has_item, o.last_code,
					(o.lease_expires_at IS NOT NULL AND o.lease_expires_at > ?) AS leased, c.privacy, c.payload
					FROM outbox AS o LEFT JOIN conversions AS c ON c.id = o.conversion_id
					WHERE ${clauses.join(' AND ')} ORDER BY o.conversion_id LIMIT ?`,
				...values,
				input.limit + 1,
			);
			const more = rows.length > input.limit;
			const outcomes: Array<{ conversionId: string; replayed: boolean; reason?: ReplaySkipReason }> = [];
			for (const row of rows.slice(0, input.limit)) {
				const candidate = replayCandidateFromRow(row);
				const decision = replayDecision(candidate);
				if (!decision.replay) {
					outcomes.push({ conversionId: candidate.conversionId, replayed: false, reason: decision.reason });
					continue;
				}
				this.run(
					`UPDATE outbox SET state = 'pending', attempts = 0, due_at = ?, updated_at = ?, item = coalesce(item, ?),
						lease_token = NULL, lease_expires_at = NULL WHERE conversion_id = ? AND destination = ?`,
					input.now,
					input.now,
					decision.item,
					candidate.conversionId,
					input.destination,
				);
				outcomes.push({ conversionId: candidate.conversionId, replayed: true });
			}
			const matched = new Set(outcomes.map((outcome) => outcome.conversionId));
			for (const id of input.conversionIds ?? []) if (!matched.has(id)) outcomes.push({ conversionId: id, replayed: false, reason: 'no_entry' });
			return replayReport(input, outcomes, more);
		});
	}

	async listOutbox(filter?: { conversionIds?: string[]; states?: OutboxState[]; destination?: string; limit?: number }): Promise<OutboxEntry[]> {
		const input = outboxListInput(filter);
		if (input.conversionIds?.length === 0 || input.states?.length === 0) return [];
		const clauses: string[] = [];
		const values: SQLInputValue[] = [];
		if (input.conversionIds) {
			clauses.push('conversion_id IN (SELECT value FROM json_each(?))');
			values.push(JSON.stringify(input.conversionIds));
		}
		if (input.states) {
			clauses.push('state IN (SELECT value FROM json_each(?))');
			values.push(JSON.stringify(input.states));
		}
		if (input.destination !== undefined) {
			clauses.push('destination = ?');
			values.push(input.destination);
		}
		const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
		return this.all(`SELECT ${OUTBOX_COLUMNS} FROM outbox ${where} ORDER BY created_at, rowid LIMIT ?`, ...values, input.limit).map(outboxFromRow);
	}

	async addLedgerEntry(entry: LedgerEntry): Promise<boolean> {
		const { values, minor } = ledgerValues(entry);
		return this.run(`INSERT INTO ledger (${LEDGER_COLUMNS}, amount_minor) VALUES (${placeholders(14)}) ON CONFLICT (id) DO NOTHING`, ...values, minor) === 1;
	}

	async listLedger(filter: LedgerFilter = {}): Promise<LedgerLine[]> {
		const { where, values } = ledgerWhere(filter, () => '?');
		const rows = this.all(`${LEDGER_SELECT} ${where} ORDER BY l.occurred_at, l.rowid`, ...values);
		return rows.map(ledgerFromRow);
	}

	async reservePayoutItem(item: PayoutItemReservation): Promise<ReserveOutcome> {
		const { values, entryIds } = payoutReservationValues(item);
		const [id, , , , affiliateId, currency] = values;
		const ids = JSON.stringify(entryIds);
		// The write lock is taken first (BEGIN IMMEDIATE): another process reserving at the same moment waits,
		// then sees this one's item and holds.
		const outcome = this.transaction(
			(): { result: ReserveOutcome; commit: boolean } => {
				const now = this.transactionNow();
				const inserted = this.run(
					`INSERT INTO payout_items (${PAYOUT_ITEM_COLUMNS}, state, created_at, updated_at)
					VALUES (${placeholders(8)}, 'reserved', ?, ?) ON CONFLICT (id) DO NOTHING`,
					...values,
					now,
					now,
				);
				if (inserted !== 1) return { result: { outcome: 'exists', existing: this.payoutItem(id)! }, commit: false };
				const lines = this.all('SELECT id, affiliate_id, currency, payout_id FROM ledger WHERE id IN (SELECT value FROM json_each(?))', ids);
				checkReservedLines(entryIds, lines, affiliateId, currency);
				const taken = lines.filter((line) => line.payout_id !== null).map((line) => String(line.id));
				const held = this.all(
					`INSERT INTO payout_allocations (entry_id, item_id) SELECT value, ? FROM json_each(?) WHERE true
					ON CONFLICT (entry_id) DO NOTHING RETURNING entry_id`,
					id,
					ids,
				);
				const heldIds = new Set(held.map((row) => String(row.entry_id)));
				for (const entryId of entryIds) if (!heldIds.has(entryId)) taken.push(entryId);
				if (taken.length > 0) return { result: { outcome: 'entries_taken', entryIds: [...new Set(taken)].sort(byCodeUnits) }, commit: false };
				this.run('INSERT INTO payout_item_entries (item_id, entry_id) SELECT ?, value FROM json_each(?)', id, ids);
				this.run(`INSERT INTO payout_item_history (item_id, state, at) VALUES (?, 'reserved', ?)`, id, now);
				return { result: { outcome: 'reserved' }, commit: true };
			},
			(result) => result.commit,
		);
		return outcome.result;
	}

	async updatePayoutItem(id: string, change: PayoutItemChange, options?: { from?: PayoutItemState[] }): Promise<boolean> {
		const itemId = requireText(id, 'id');
		if (!change || typeof change !== 'object') throw new StoreInputError('updatePayoutItem needs a change such as { state: "paid" }');
		const next = payoutItemState(change.state);
		const from = payoutItemStates(options?.from, 'from');
		const providerBatchId = optionalText(change.providerBatchId, 'providerBatchId');
		const providerItemId = optionalText(change.providerItemId, 'providerItemId');
		const error = optionalText(change.error, 'error');
		const note = optionalText(change.note, 'note');
		return this.transaction(() => {
			const row = this.get('SELECT state, EXISTS (SELECT 1 FROM payout_allocations WHERE item_id = ?) AS holds FROM payout_items WHERE id = ?', itemId, itemId);
			if (!row) throw new Error(`Tracking store: no payout item with id ${JSON.stringify(itemId)}`);
			const current = row.state as PayoutItemState;
			if (from !== undefined && !from.includes(current)) return false;
			const { release, rehold } = payoutTransition(itemId, current, Number(row.holds) === 1, next, change.reopen === true);
			let recordedError = error;
			if (rehold !== 'none') {
				const covered = this.all('SELECT entry_id FROM payout_item_entries WHERE item_id = ?', itemId).map((line) => String(line.entry_id));
				const held = new Set(
					this.all(
						`INSERT INTO payout_allocations (entry_id, item_id) SELECT entry_id, item_id FROM payout_item_entries WHERE item_id = ?
							ON CONFLICT (entry_id) DO NOTHING RETURNING entry_id`,
						itemId,
					).map((line) => String(line.entry_id)),
				);
				const taken = covered.filter((entryId) => !held.has(entryId)).sort(byCodeUnits);
				if (taken.length > 0) {
					// Throwing rolls the holds just taken back.
					if (rehold === 'all') throw new StoreInputError(reholdConflict(itemId, next, taken));
					recordedError = [error, reholdConflict(itemId, next, taken)].filter(Boolean).join('; ');
				}
			}
			const now = this.transactionNow();
			this.run(
				`UPDATE payout_items SET state = ?, provider_batch_id = coalesce(?, provider_batch_id), provider_item_id = coalesce(?, provider_item_id),
					error = coalesce(?, error), updated_at = ? WHERE id = ?`,
				next,
				providerBatchId,
				providerItemId,
				recordedError,
				now,
				itemId,
			);
			if (release) this.run('DELETE FROM payout_allocations WHERE item_id = ?', itemId);
			this.run('INSERT INTO payout_item_history (item_id, state, at, note, error) VALUES (?, ?, ?, ?, ?)', itemId, next, now, note, recordedError);
			return true;
		});
	}

	async getPayoutItem(id: string): Promise<PayoutItemRecord | undefined> {
		return this.payoutItem(requireText(id, 'id'));
	}

	private payoutItem(id: string): PayoutItemRecord | undefined {
		const row = this.get(`${PAYOUT_ITEM_SELECT} WHERE id = ?`, id);
		return row ? payoutItemFromSqliteRow(row) : undefined;
	}

	async listPayoutItems(filter: PayoutItemFilter = {}): Promise<PayoutItemRecord[]> {
		const { where, values } = payoutItemWhere(filter, () => '?');
		return this.all(`${PAYOUT_ITEM_SELECT} ${where} ORDER BY rowid`, ...values).map(payoutItemFromSqliteRow);
	}

	async payoutItemHistory(id: string): Promise<PayoutItemHistoryLine[]> {
		const rows = this.all('SELECT state, at, note, error FROM payout_item_history WHERE item_id = ? ORDER BY seq', requireText(id, 'id'));
		return rows.map(payoutHistoryFromRow);
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

	async acquireLease(namespace: string, key: string, options: LeaseOptions): Promise<LeaseOutcome> {
		const input = leaseInput(namespace, key, options?.ttlMs ?? null, options?.holder);
		const token = claimToken();
		const taken = this.get(LEASE_UPSERT, input.namespace, input.key, token, input.holder, `+${input.ttlMs / 1000} seconds`);
		if (taken) return { acquired: true, token, expiresAt: String(taken.expires_at), takenOver: Number(taken.takeovers) > 0 };
		const held = await this.getLease(input.namespace, input.key);
		return { acquired: false, expiresAt: held?.expiresAt ?? '', acquiredAt: held?.acquiredAt ?? '', ...(held?.holder ? { holder: held.holder } : {}) };
	}

	async renewLease(namespace: string, key: string, token: string, ttlMs: number): Promise<{ renewed: true; expiresAt: string } | { renewed: false }> {
		const input = leaseInput(namespace, key, ttlMs);
		const row = this.get(
			`UPDATE leases SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?), renewals = renewals + 1
				WHERE namespace = ? AND lease_key = ? AND token = ? RETURNING expires_at`,
			`+${input.ttlMs / 1000} seconds`,
			input.namespace,
			input.key,
			requireText(token, 'lease token'),
		);
		return row ? { renewed: true, expiresAt: String(row.expires_at) } : { renewed: false };
	}

	async releaseLease(namespace: string, key: string, token: string): Promise<boolean> {
		const input = leaseInput(namespace, key);
		return (
			this.run('DELETE FROM leases WHERE namespace = ? AND lease_key = ? AND token = ?', input.namespace, input.key, requireText(token, 'lease token')) === 1
		);
	}

	async getLease(namespace: string, key: string): Promise<LeaseRecord | undefined> {
		const input = leaseInput(namespace, key);
		const row = this.get('SELECT * FROM leases WHERE namespace = ? AND lease_key = ?', input.namespace, input.key);
		return row ? leaseFromRow(row) : undefined;
	}

	async purgeExpiredLeases(options: { namespace?: string; graceMs?: number } = {}): Promise<number> {
		const cutoff = `-${leaseGraceMs(options.graceMs) / 1000} seconds`;
		return options.namespace === undefined
			? this.run(`DELETE FROM leases WHERE expires_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)`, cutoff)
			: this.run(
					`DELETE FROM leases WHERE namespace = ? AND expires_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)`,
					requireText(options.namespace, 'lease namespace'),
					cutoff,
				);
	}

	async applyRetention(policy: RetentionPolicy, options: { now?: string } = {}): Promise<RetentionReport> {
		const { now, cutoffs } = retentionCutoffs(policy, options?.now);
		const counts = emptyRetentionCounts();
		const { personal, raw } = conversionCutoffs(cutoffs);
		if (personal !== undefined) counts.conversionsPersonalRedacted = this.redactConversionsBefore(personal, 'personal');
		if (raw !== undefined) {
			counts.conversionsRawRedacted = this.redactConversionsBefore(raw, 'raw');
			counts.statusDetailsRedacted = this.run(
				'UPDATE conversion_status_history SET detail = ? WHERE at < ? AND detail IS NOT NULL AND detail IS NOT ?',
				REDACTED_JSON,
				raw,
				REDACTED_JSON,
			);
		}
		this.transaction(() => {
			if (cutoffs.clicks !== undefined) counts.clicksDeleted = this.run('DELETE FROM clicks WHERE clicked_at < ?', cutoffs.clicks);
			if (personal !== undefined) {
				counts.customersDeleted = this.run('DELETE FROM customers WHERE linked_at < ?', personal);
				counts.deliveryReasonsRedacted = this.run(
					'UPDATE deliveries SET reason = ? WHERE at < ? AND reason IS NOT NULL AND reason IS NOT ?',
					REDACTED_TEXT,
					personal,
					REDACTED_TEXT,
				);
			}
			if (cutoffs.replayMemory !== undefined) {
				// Never memory that is still valid, whatever `now` says: forgetting it would let a signature be replayed.
				counts.replayMemoryDeleted = this.run(
					`DELETE FROM leases WHERE namespace = ? AND expires_at < ? AND expires_at <= ${SQLITE_NOW}`,
					REPLAY_NAMESPACE,
					cutoffs.replayMemory,
				);
			}
			if (cutoffs.deliveries !== undefined) {
				// The window exists only inside this transaction: the trigger lets exactly these lines go.
				this.run('INSERT INTO retention_windows (kind, cutoff) VALUES (?, ?)', 'deliveries', cutoffs.deliveries);
				counts.deliveriesDeleted = this.run('DELETE FROM deliveries WHERE at < ?', cutoffs.deliveries);
				this.run('DELETE FROM retention_windows WHERE kind = ?', 'deliveries');
				counts.outboxDeleted = this.run(`DELETE FROM outbox WHERE state <> 'pending' AND updated_at < ?`, cutoffs.deliveries);
			}
			if (personal !== undefined) {
				// A pending entry's item is the customer data itself: past the cutoff it goes, and the entry with it (never sent without it).
				counts.outboxItemsDropped = this.run(
					`UPDATE outbox SET state = 'gave_up', item = NULL, lease_token = NULL, lease_expires_at = NULL, last_code = ?, updated_at = ?
						WHERE state = 'pending' AND created_at < ?`,
					OUTBOX_RETENTION_CODE,
					this.transactionNow(),
					personal,
				);
			}
		});
		this.checkpoint();
		return { now, cutoffs, counts };
	}

	/** Redacts conversions recorded before `cutoff` that are not redacted this far yet, a batch per transaction. */
	private redactConversionsBefore(cutoff: string, level: RedactionLevel): number {
		const pending = level === 'personal' ? `(privacy IS NULL OR privacy = 'raw')` : 'privacy IS NULL';
		let changed = 0;
		for (;;) {
			const done = this.transaction(() => {
				const rows = this.all(`SELECT id, payload FROM conversions WHERE recorded_at < ? AND ${pending} ORDER BY id LIMIT ?`, cutoff, PRIVACY_BATCH);
				for (const row of rows) {
					this.run(
						'UPDATE conversions SET payload = ?, privacy = ? WHERE id = ?',
						JSON.stringify(redactPayload(JSON.parse(String(row.payload)), level)),
						level,
						row.id,
					);
				}
				return rows.length;
			});
			changed += done;
			if (done < PRIVACY_BATCH) return changed;
		}
	}

	async erasePerson(person: PersonKey): Promise<ErasureReport> {
		const matcher = personMatcher(person);
		const scan = new ErasureScan(matcher);
		for (let pass = 0; scan.nextPass(pass); pass++) {
			this.scanConversions((id, clickId, payload) => scan.visit(id, clickId, payload));
			// Clicks whose URLs carry the person's email, and every click of the same visitors (the same browser).
			scan.addClickIds(
				this.all(
					`SELECT click_id FROM clicks WHERE EXISTS (SELECT 1 FROM json_each(?) AS needle
						WHERE instr(lower(coalesce(landing_url, '') || ' ' || coalesce(referrer, '') || ' ' || coalesce(offer_url, '')), needle.value) > 0)`,
					JSON.stringify(scan.needles),
				).map((row) => row.click_id),
			);
			scan.addClickIds(
				this.all(
					`SELECT click_id FROM clicks WHERE visitor_id IN (SELECT visitor_id FROM clicks WHERE click_id IN (SELECT value FROM json_each(?)) AND visitor_id IS NOT NULL)`,
					JSON.stringify(scan.clickIds),
				).map((row) => row.click_id),
			);
		}
		const needles = scan.needles;
		const counts = emptyErasureCounts();
		const conversionIds = JSON.stringify([...scan.conversions.keys()]);
		const clickIds = JSON.stringify([...scan.clickIds]);
		this.transaction(() => {
			for (const [id, payload] of scan.conversions) {
				const redacted = JSON.stringify(scan.redacted(payload));
				counts.conversionsRedacted += this.run(
					`UPDATE conversions SET payload = ?, privacy = 'personal' WHERE id = ? AND (payload IS NOT ? OR privacy IS NOT 'personal')`,
					redacted,
					id,
					redacted,
				);
			}
			counts.statusDetailsRedacted = this.run(
				'UPDATE conversion_status_history SET detail = ? WHERE conversion_id IN (SELECT value FROM json_each(?)) AND detail IS NOT NULL AND detail IS NOT ?',
				REDACTED_JSON,
				conversionIds,
				REDACTED_JSON,
			);
			counts.deliveriesRedacted = this.run(
				`UPDATE deliveries SET reason = ? WHERE reason IS NOT NULL AND reason IS NOT ?
					AND (conversion_id IN (SELECT value FROM json_each(?)) OR conversion_id IN (SELECT value FROM json_each(?))
						OR EXISTS (SELECT 1 FROM json_each(?) AS needle WHERE instr(lower(reason), needle.value) > 0))`,
				REDACTED_TEXT,
				REDACTED_TEXT,
				conversionIds,
				clickIds,
				JSON.stringify(needles),
			);
			counts.clicksDeleted = this.run('DELETE FROM clicks WHERE click_id IN (SELECT value FROM json_each(?))', clickIds);
			counts.customersDeleted = this.run(
				`DELETE FROM customers WHERE customer_key IN (SELECT value FROM json_each(?)) OR lower(trim(customer_key)) IN (SELECT value FROM json_each(?))
					OR click_id IN (SELECT value FROM json_each(?))`,
				JSON.stringify(scan.customerKeys),
				JSON.stringify(scan.emails),
				clickIds,
			);
			counts.outboxErased = this.eraseOutbox(scan, conversionIds, JSON.stringify(needles));
		});
		this.checkpoint();
		return { keys: matcher.keys, counts };
	}

	/**
	 * Inside erasePerson's transaction: the person's pending outbox entries lose their item and give up (code 'erased');
	 * the reasons of their settled entries, and of any entry naming them, are redacted. Returns the entries changed.
	 */
	private eraseOutbox(scan: ErasureScan, conversionIds: string, needles: string): number {
		const now = this.transactionNow();
		let changed = 0;
		let after: [string, string] = ['', ''];
		for (;;) {
			const rows = this.all(
				`SELECT conversion_id, destination, item FROM outbox WHERE state = 'pending' AND (conversion_id, destination) > (?, ?)
					ORDER BY conversion_id, destination LIMIT ?`,
				...after,
				PRIVACY_BATCH,
			);
			for (const row of rows) {
				if (!scan.ownsOutboxItem(String(row.conversion_id), JSON.parse(String(row.item)))) continue;
				changed += this.run(
					`UPDATE outbox SET state = 'gave_up', item = NULL, lease_token = NULL, lease_expires_at = NULL, last_code = ?,
						last_reason = CASE WHEN last_reason IS NULL THEN NULL ELSE ? END, updated_at = ? WHERE conversion_id = ? AND destination = ?`,
					OUTBOX_ERASED_CODE,
					REDACTED_TEXT,
					now,
					row.conversion_id,
					row.destination,
				);
			}
			if (rows.length < PRIVACY_BATCH) break;
			after = [String(rows[rows.length - 1].conversion_id), String(rows[rows.length - 1].destination)];
		}
		changed += this.run(
			`UPDATE outbox SET last_reason = ? WHERE state <> 'pending' AND last_reason IS NOT NULL AND last_reason IS NOT ?
				AND (conversion_id IN (SELECT value FROM json_each(?)) OR EXISTS (SELECT 1 FROM json_each(?) AS needle WHERE instr(lower(last_reason), needle.value) > 0))`,
			REDACTED_TEXT,
			REDACTED_TEXT,
			conversionIds,
			needles,
		);
		return changed;
	}

	/** Every stored conversion, a batch at a time, in id order. */
	private scanConversions(visit: (id: string, clickId: string | null, payload: unknown) => void): void {
		let after = '';
		for (;;) {
			const rows = this.all('SELECT id, click_id, payload FROM conversions WHERE id > ? ORDER BY id LIMIT ?', after, PRIVACY_BATCH);
			for (const row of rows) visit(String(row.id), row.click_id === null ? null : String(row.click_id), JSON.parse(String(row.payload)));
			if (rows.length < PRIVACY_BATCH) return;
			after = String(rows[rows.length - 1].id);
		}
	}

	/** Moves what the write-ahead log holds into the file (whose freed pages secure_delete zeroes), best effort. */
	private checkpoint(): void {
		try {
			this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
		} catch {
			// Another connection is reading: SQLite checkpoints on its own later.
		}
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.statements.clear();
		this.db.close();
	}
}

/** Ledger lines with their settlement and the item holding them. CAST: node:sqlite reads INTEGER as a JS number, which loses digits past 2^53. */
const LEDGER_SELECT = `SELECT ${LEDGER_COLUMNS.split(',')
	.map((column) => `l.${column.trim()}`)
	.join(', ')}, CAST(l.amount_minor AS TEXT) AS amount_minor, a.item_id AS payout_item_id, ${SETTLEMENT_SQL} AS settlement ${ledgerFrom('')}`;

const PAYOUT_ITEM_SELECT = `SELECT ${PAYOUT_ITEM_COLUMNS}, state, provider_batch_id, provider_item_id, error, created_at, updated_at,
	(SELECT json_group_array(entry_id) FROM payout_item_entries WHERE item_id = payout_items.id) AS entry_ids FROM payout_items`;

function payoutItemFromSqliteRow(row: Row): PayoutItemRecord {
	return payoutItemFromRow(row, JSON.parse(String(row.entry_ids)) as string[]);
}

const DELIVERY_COLUMNS = 'conversion_id, destination, outcome, event_id, code, reason, http_status, at';

const OUTBOX_COLUMNS = 'conversion_id, destination, state, attempts, due_at, created_at, updated_at, last_code, last_reason, item';

function placeholders(count: number): string {
	return Array.from({ length: count }, () => '?').join(', ');
}
