// A user's preload that takes 300 ms (synchronously), as a coverage or tracing hook can.
const end = Date.now() + 300; while (Date.now() < end);
