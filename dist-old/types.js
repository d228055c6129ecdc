// Types shared by every room of src/: what a frame is and how formats are named.
export {};
//# sourceMappingURL=types.js.map