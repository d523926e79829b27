/** What the Conversion Funnel hands on (FunnelItem, on one of its outputs) and the options it takes. */
import type { AmountPrecisionPolicy, Conversion, ConversionStatus } from '../model';
import type { CommissionRule } from '../model/commission';
import type { ClaimStore, ClickStore, ConversionKey, ConversionStore, LedgerEntry, LedgerStore, ReferralStore } from '../store/types';
import type { AttributionOptions, Attribution, ConversionClick } from './attribution';
import type { Route, StatusPolicy } from './classify';
import type { DedupBasis } from './dedup-key';
import type { DestinationEvents, EventMappingOverrides } from './events';

/** The store roles the funnel uses: dedup claims, clicks and referrals (attribution), conversions, the ledger. */
export type FunnelStore = ClaimStore & ClickStore & ConversionStore & LedgerStore & ReferralStore;

export type FunnelOutput = Route | 'duplicate' | 'unattributed';

/** The node's outputs, in order. */
export const funnelOutputs: readonly FunnelOutput[] = ['lead', 'purchase', 'other', 'reversal', 'pending', 'rejected', 'duplicate', 'unattributed'];

/** The event name the claims use while the TUNE repeat sequence decides the event. */
export const SEQUENCE_CLAIM = '#sequence';

export interface FunnelOptions extends AttributionOptions {
	statusPolicy?: StatusPolicy;
	/** Send conversions without a matching click to their event's output anyway (default: the Unattributed output). */
	forwardUnattributed?: boolean;
	/** TUNE's repeat sequence for one click id: Lead → CompleteRegistration → Purchase. */
	repeatSequence?: boolean;
	eventMapping?: EventMappingOverrides;
	/**
	 * How long this execution's dedup claims are its own, in milliseconds (default 2 minutes): a copy of the
	 * postback within it is a Duplicate (in flight); after it, a retry of a postback whose execution stopped is
	 * processed. Longer than an execution takes; the same for every execution on one store.
	 */
	claimLeaseMs?: number;
	/**
	 * Commission rules for conversions that carry no commission (merchant-side sale tracking, seed 003: the
	 * shop reports the sale, the affiliate system computes the commission): a percentage of the sale or a fixed
	 * amount per action code, per offer and per affiliate, the most specific rule winning (src/model/commission.ts).
	 */
	commissionRules?: CommissionRule[];
	/**
	 * An amount or commission finer than its currency's minor unit (0.005 USD): refused on the Rejected output
	 * ('reject', the default) or fitted by the operator's rule before anything is recorded.
	 */
	amountPrecision?: AmountPrecisionPolicy;
	/**
	 * Networks whose postbacks may name the affiliate to credit (`affiliate_id`): an affiliate named only by the
	 * postback earns a commission when its network is listed here AND the trigger authenticated the postback.
	 * Default: none (an affiliate comes only from a stored click, coupon or customer).
	 */
	trustPostbackAffiliate?: readonly string[];
	/**
	 * A conversion without a transaction id: 'derive' (default) credits it once under a key derived from what the
	 * postback carries; 'hold' records and deduplicates it the same way but writes no commission (for review).
	 */
	withoutTransactionId?: 'derive' | 'hold';
	/**
	 * Called with the decided result after everything the claims guard is written and before they are completed
	 * (issue 16: the node queues the conversion for its destinations here). A stop before it leaves the claims
	 * pending, so the postback's retry (or its journal entry) decides it again and calls this again; a throw
	 * releases the claims and fails the run, as any store error does.
	 */
	beforeComplete?: (result: FunnelResult) => Promise<void>;
	now?: () => Date;
}

export interface Dedup {
	/** 'refused': the conversion was refused before deduplication (see `refused`); 'not-deduplicated' is no longer written. */
	status: 'first' | 'duplicate' | 'status-update' | 'not-deduplicated' | 'refused';
	/** The conversion's dedup key. */
	key?: ConversionKey;
	/** What the key's transaction id is: the network's own, or derived from the postback's fields (it carried none). */
	basis?: DedupBasis;
	/** With a derived key: the conversion fields it was made of. */
	derivedFrom?: string[];
	reason?: string;
	/** A duplicate of a postback another execution has claimed and not finished: when that claim's lease runs out. */
	inFlightUntil?: string;
}

/** Why the funnel refused a conversion (on the Rejected output): nothing was recorded or claimed. */
export interface Refusal {
	code: 'amount_precision';
	/** The conversion field at fault. */
	field: 'amount' | 'commission';
	reason: string;
}

/** An amount the funnel fitted to its currency's minor unit by the operator's rule. */
export interface AmountAdjustment {
	field: 'amount' | 'commission';
	received: string;
	recorded: string;
	rule: Exclude<AmountPrecisionPolicy, 'reject'>;
}

export interface ReversalLink {
	conversionId: string;
	eventName: string;
	/** The original's status before this postback. */
	status: ConversionStatus;
	occurredAt: string;
	amount?: string;
	commission?: string;
}

export interface LedgerLine {
	id: string;
	kind: LedgerEntry['kind'];
	amount: string;
	currency: string;
	status: ConversionStatus;
}

export interface LedgerOutcome {
	affiliateId?: string;
	/** The lines this postback adds (writing them again is a no-op: their ids are deterministic). */
	entries: LedgerLine[];
	/** Why nothing was added, when nothing was. */
	reason?: string;
	/** For the reasons a caller may act on: untrusted_affiliate, held_for_review, amount_precision. */
	code?: 'untrusted_affiliate' | 'held_for_review' | 'amount_precision';
	/** When the commission was computed from a commission rule (the postback carried none): which one, by position. */
	ruleIndex?: number;
}

/** The conversion as the funnel hands it on: the canonical conversion plus the funnel's decision. */
export type FunnelItem = Omit<Conversion, 'eventName'> & {
	eventName: string;
	route: FunnelOutput;
	/** The stored conversion's id (deterministic from the dedup key; random without a transaction id). */
	conversionId?: string;
	click?: ConversionClick;
	attribution?: Attribution;
	dedup: Dedup;
	destinationEvents: DestinationEvents;
	ledger: LedgerOutcome;
	statusChange?: { from: ConversionStatus; to: ConversionStatus };
	/** On reversals and rejections: the conversion taken back, or null when the store does not have it. */
	reversalOf?: ReversalLink | null;
	/** With the TUNE repeat sequence: this conversion's place in its click id's sequence. */
	sequence?: number;
	/** Amounts fitted to the currency's minor unit by the operator's rule (the received values are in `raw`). */
	amountAdjustments?: AmountAdjustment[];
	/** Set when the funnel refused the conversion (route 'rejected'): why. */
	refused?: Refusal;
};

export interface FunnelResult {
	output: FunnelOutput;
	item: FunnelItem;
	/**
	 * This execution finished the work of an earlier execution of the same postback that stopped before completing
	 * its claims, and hands on the item that one decided (which may have reached its destinations already).
	 */
	resumed?: boolean;
}
