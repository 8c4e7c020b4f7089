// Public surface of @graft/chat-tags: every export is named here.
export { ChatTemplateError } from "./chat-template-error.js";
export { SampleInputError } from "./sample-input-error.js";
export { SampleTooLongError } from "./sample-too-long-error.js";
export { loadChatTemplate, type ChatTemplate } from "./load-chat-template.js";
export { renderChatTemplate, type ChatMessage, type RenderOptions } from "./render-chat-template.js";
export { SAMPLE_FORMATS, conversation, inscpDocument, inscpPair, plain, type ChatSample, type SampleFormat } from "./sample-formats.js";
export { renderSample, type RenderSampleOptions, type RenderedSample } from "./render-sample.js";
export { tokenizeSample, type MaskMode, type TokenizedSample } from "./tokenize-sample.js";
export { createTagger, type Tagger, type TaggerOptions } from "./create-tagger.js";
export { readSamples, type ReadSamplesOptions, type ReadSamplesStats } from "./read-samples.js";
export { tagSamples, tagJsonl } from "./tag-samples.js";
