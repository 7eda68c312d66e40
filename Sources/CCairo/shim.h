// cairo (libcairo2-dev): 2-D drawing and the PDF surface, wrapped by the PDF module only.
#include <cairo.h>
#include <cairo-pdf.h>
