/**
 * The one place the engine imports libphonenumber-js. n8n's community-package rules forbid runtime
 * dependencies, so the build (scripts/vendor-libphonenumber.mjs) copies the library's CommonJS build with its
 * "min" metadata into dist/vendor/libphonenumber and points this module at it; in tests, type checks and
 * benchmarks it is the devDependency.
 *
 * "min" metadata (about 80 kB) carries every country's calling code, national and international prefixes and
 * possible lengths: all that parsing with a default country and `isPossible()` need. The "max" metadata only
 * adds the digit patterns behind `isValid()` and number types, which we deliberately do not use (see phone.ts).
 */
export { parsePhoneNumberFromString, isSupportedCountry } from 'libphonenumber-js/min';
export type { CountryCode, PhoneNumber } from 'libphonenumber-js/min';
