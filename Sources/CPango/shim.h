// pango with its cairo backend (libpango1.0-dev): text shaping (HarfBuzz) and layout, wrapped by
// the PDF module only. PANGO_SCALE is a macro Swift imports as a constant; g_object_unref frees
// layouts.
#include <pango/pangocairo.h>
static inline int cpango_scale(void) { return PANGO_SCALE; }
