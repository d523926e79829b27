/**
 * Forwarding a node's input to a platform, without n8n: what an item is, the Override Fields, grouping by
 * settings, and what each outcome means for the output and the conversion log. The nodes read parameters,
 * call these and shape items (nodes/shared/forward-items.ts).
 */
export * from './item-error';
export * from './items';
export * from './overrides';
export * from './batches';
export * from './outcomes';
export * from './forward-events';
export * from './oauth';
export * from './outbox';
