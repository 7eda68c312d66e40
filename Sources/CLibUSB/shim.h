#include <libusb.h>
// libusb_set_option is variadic; give Swift a typed form.
static inline int clibusb_set_log_level(libusb_context *ctx, int level) {
    return libusb_set_option(ctx, LIBUSB_OPTION_LOG_LEVEL, level);
}
