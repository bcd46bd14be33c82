import { reminderDueDate } from './reminder-due-date';

describe('reminderDueDate', () => {
  it('counts from the evaluated day', () => {
    expect(reminderDueDate('2026-11-28', 2, '2026-11-28')).toBe('2026-11-30');
  });
  it('is never already overdue when it arrives', () => {
    expect(reminderDueDate('2026-11-20', 1, '2026-11-28')).toBe('2026-11-28');
    expect(reminderDueDate('2026-11-26', 3, '2026-11-28')).toBe('2026-11-29');
  });
});
