import * as http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP/1.1 server of the runtime's own (a proxy, an API stand-in) on 127.0.0.1 with an
 * ephemeral port. Keep-alive outlives the SDK's idle sockets, so a reused socket is rarely closed
 * under a request.
 */
export function listenOnLoopback(handler?: http.RequestListener): Promise<http.Server> {
    const server = http.createServer(handler);
    server.keepAliveTimeout = 60_000;
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            server.off("error", reject);
            resolve(server);
        });
    });
}

export function endpointOf(server: http.Server): string {
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops accepting, ends every open connection and resolves once the server has closed. */
export function closeServer(server: http.Server): Promise<void> {
    return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
    });
}
