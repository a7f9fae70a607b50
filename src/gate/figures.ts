/** The suites' record format, as the gate reads it (declared on the acceptance side: acceptance/record-format.ts). */
export * from '../../acceptance/record-format.ts';
