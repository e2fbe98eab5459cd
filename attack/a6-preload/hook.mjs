// A user's loader hook (--experimental-loader): passes everything through.
export async function resolve(specifier, context, next) { return next(specifier, context); }
