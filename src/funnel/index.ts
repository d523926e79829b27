// The Conversion Funnel's engine: pure classification (classify.ts, events.ts, network-rules.ts) and the
// store-backed steps (attribution, dedup, status history, ledger) in funnel.ts.
export * from './amounts';
export * from './events';
export * from './network-rules';
export * from './classify';
export * from './attribution';
export * from './ledger';
export * from './dedup-key';
export * from './funnel';
export * from './schema';
