export * from './inbound';
export * from './ip';
export * from './replay';
