// Public surface of @graft/chat-tags: every export is named here.
export {};
