export * from './inbound';
export * from './ip';
