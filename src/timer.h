/* timer.h - wall-clock seconds from a monotonic clock. */
#ifndef IHG_TIMER_H
#define IHG_TIMER_H

double ihg_now(void);

#endif
