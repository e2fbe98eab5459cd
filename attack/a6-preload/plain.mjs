// A user's --import preload that does nothing.
export {};
