// The f16 extension; included first so that the directive precedes every declaration. Only for
// devices created with the 'shader-f16' feature.
enable f16;
