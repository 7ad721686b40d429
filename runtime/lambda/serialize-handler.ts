import * as pulumi from "@pulumi/pulumi";

/**
 * The module text that `pulumi up` uploads for a `CallbackFunction` with this `callbackFactory`:
 * Pulumi's own closure serializer, run on the same factory the component passes. The module
 * exports the handler as `handler`, and `require`s packages from node_modules by name.
 */
export interface SerializedHandler {
    text: string;
    exportName: string;
}

export async function serializeHandler(factory: () => unknown): Promise<SerializedHandler> {
    const serialized = await pulumi.runtime.serializeFunction(factory as (...args: any[]) => any, {
        isFactoryFunction: true,
        exportName: "handler",
    });
    return { text: serialized.text, exportName: serialized.exportName };
}
