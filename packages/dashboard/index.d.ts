/** Absolute path of the built dashboard's folder (`dist/`, made by `npm run build` in this package). */
export declare const assetsDir: string;
