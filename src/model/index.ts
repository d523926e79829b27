export * from './conversion';
export * from './money';
