/** The app user's ACL rule at its stable import path for the deploy gate (src/gate): the code is config/acl.ts. */
export * from './config/acl.ts';
