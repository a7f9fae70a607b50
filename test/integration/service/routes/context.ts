import type { Client } from '../http.ts';
import type { ServiceFixture } from '../setup.ts';

/** What the route tests share, set by routes.test.ts's beforeAll: the fixture, a signed-in admin, the session secret. */
export interface RoutesContext {
  fx: ServiceFixture;
  admin: Client;
  secret: string;
}
