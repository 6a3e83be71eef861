/** API Gateway closes every WebSocket connection after two hours (a hard quota). */
export const MAX_CONNECTION_SECONDS = 2 * 3600;
