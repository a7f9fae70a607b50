/** Step 1 of the gate: the config audit of the live Redis (the runner lives on the acceptance side: acceptance/audit.ts). */
export * from '../../acceptance/audit.ts';
