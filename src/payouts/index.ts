/** Payout arithmetic: what is due (schedule, holding, minimum, reversals), commission rules and statements. */
export {
	calculateDuePayouts,
	calculatePayoutPlan,
	payoutSchedule,
	type CarriedBalance,
	type CarriedReason,
	type DuePayout,
	type ExcludedEntry,
	type ExcludedReason,
	type PayoutEntryInput,
	type PayoutEntryStatus,
	type PayoutLedgerLine,
	type PayoutPlan,
	type PayoutRules,
	type WaitingEntry,
	type WaitingReason,
} from './due';
export {
	CommissionRuleError,
	commissionFor,
	percentOf,
	ruleSpecificity,
	validateCommissionRules,
	type CommissionResult,
	type CommissionRule,
	type SaleForCommission,
} from '../model/commission';
export { carriedReasonText, invalidLineReports, type InvalidLineReport } from './invalid-lines';
export { buildStatement, escapeHtml, statementCsv, statementHtml, type Statement, type StatementInput, type StatementLine } from './statement';
// Paying from the store: plan, pay (never twice), sync, statements; and the provider clients.
export * from './run';
export * from './providers';
