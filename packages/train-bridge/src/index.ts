// Public surface of @graft/train-bridge: every export is named here.
export {};
