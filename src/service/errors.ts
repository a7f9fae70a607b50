/** An HTTP failure answered as `{"error": message}` with `status` (FastNPC's failure shape). */
export class HttpError extends Error {
  readonly code = 'E_HTTP';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const unauthorized = (): HttpError => new HttpError(401, 'unauthorized');
export const forbidden = (): HttpError => new HttpError(403, 'forbidden');
export const notFound = (): HttpError => new HttpError(404, 'not_found');
