export * from './conversion';
export * from './money';
export * from './consent';
