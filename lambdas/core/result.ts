/** Expected failures are values: callers must look at `success` before they can reach the data. */
export type Result<T, E> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error: E };

export const ok = <T>(data: T): { readonly success: true; readonly data: T } => ({ success: true, data });
export const fail = <E>(error: E): { readonly success: false; readonly error: E } => ({
  success: false,
  error,
});
